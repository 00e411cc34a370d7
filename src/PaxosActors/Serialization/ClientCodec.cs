using PaxosActors.Core;
using PaxosActors.Messages;

namespace PaxosActors.Serialization;

/// <summary>
/// The wire layout of the client messages, so callers on other nodes can propose and read
/// status over Akka.Remote. Commands and results inside them are nested as serializer id +
/// manifest + bytes of whatever serializer their type is bound to.
/// </summary>
internal static class ClientCodec
{
    public const string ProposeV1 = "PR1", ResultV1 = "RS1", FailedV1 = "PF1", GetStatusV1 = "GS1", StatusV1 = "ST1", ErrorV1 = "SE1";
    public const string BatchProposeV1 = "BP1", BatchResultV1 = "BR1", ForwardV1 = "FW1", RefusedV2 = "FR2";

    public static string? Manifest(object o) => o switch
    {
        Propose => ProposeV1,
        ProposeResult => ResultV1,
        ProposeFailed => FailedV1,
        GetGroupStatus => GetStatusV1,
        GroupStatus => StatusV1,
        StateMachineError => ErrorV1,
        BatchPropose => BatchProposeV1,
        BatchProposeResult => BatchResultV1,
        ForwardedCommands => ForwardV1,
        ForwardRefused => RefusedV2,
        _ => null,
    };

    public static byte[] Encode(object o, CommandSerialization serialization)
    {
        var w = new WireWriter();
        switch (o)
        {
            case Propose p:
                Nested(w, p.Command, serialization);
                w.Int32(p.StateMachineId);
                break;
            case ProposeResult r:
                w.Int64(r.InstanceId);
                Nested(w, r.Result, serialization);
                break;
            case ProposeFailed f:
                w.Int32((int)f.Reason).String(f.Message).Bool(f.OutcomeUnknown);
                break;
            case GetGroupStatus:
                break;
            case GroupStatus s:
                w.String(s.Group).Int32(s.NodeId).Int64(s.Executed).UInt64(s.LastChecksum).Bool(s.Halted).Bool(s.HaltReason is not null);
                if (s.HaltReason is not null)
                {
                    w.String(s.HaltReason);
                }

                break;
            case StateMachineError e:
                w.String(e.Type).String(e.Message);
                break;
            case BatchPropose p:
                Nested(w, p.Command, serialization);
                w.Int32(p.StateMachineId);
                break;
            case BatchProposeResult r:
                w.Int64(r.InstanceId).Int32(r.Index);
                Nested(w, r.Result, serialization);
                break;
            case ForwardedCommands f:
                w.String(f.ClusterId).String(f.Group).Int32(f.From.Value).Bytes(f.Value);
                break;
            case ForwardRefused f:
                w.String(f.ClusterId).String(f.Group).Int32(f.From.Value).Int64(f.Session).Int32((int)f.Reason).String(f.Message).Int32(f.Sequences.Count);
                foreach (var s in f.Sequences)
                {
                    w.Int64(s);
                }

                break;
            default:
                throw new ArgumentException($"No wire format for {o.GetType().Name}.", nameof(o));
        }

        return w.ToArray();
    }

    public static object Decode(ReadOnlySpan<byte> bytes, string manifest, CommandSerialization serialization)
    {
        var r = new WireReader(bytes);
        object result = manifest switch
        {
            ProposeV1 => new Propose(Command(ref r, serialization), r.Int32()),
            ResultV1 => new ProposeResult(r.Int64(), Nested(ref r, serialization)),
            FailedV1 => new ProposeFailed(Reason(r.Int32()), r.String(), r.Bool()),
            GetStatusV1 => GetGroupStatus.Instance,
            StatusV1 => new GroupStatus(r.String(), r.Int32(), r.Int64(), r.UInt64(), r.Bool(), r.Bool() ? r.String() : null),
            ErrorV1 => new StateMachineError(r.String(), r.String()),
            BatchProposeV1 => new BatchPropose(Command(ref r, serialization), r.Int32()),
            BatchResultV1 => new BatchProposeResult(r.Int64(), r.Int32(), Nested(ref r, serialization)),
            ForwardV1 => DecodeForward(ref r),
            RefusedV2 => DecodeRefused(ref r),
            _ => throw new PaxosFormatException($"Unknown manifest '{manifest}'."),
        };
        r.End();
        return result;
    }

    private static ForwardedCommands DecodeForward(ref WireReader r)
    {
        var cluster = r.String();
        var group = r.String();
        return new ForwardedCommands(group, Sender(r.Int32()), r.Bytes()) { ClusterId = cluster };
    }

    private static ForwardRefused DecodeRefused(ref WireReader r)
    {
        var cluster = r.String();
        var group = r.String();
        var from = r.Int32();
        var session = r.Int64();
        var reason = RefusalReason(from, session, r.Int32());
        var message = r.String();
        var count = r.Int32();
        if (count < 0 || count > r.Remaining / 8)
        {
            throw new PaxosFormatException($"Invalid sequence count {count}.");
        }

        var sequences = new long[count];
        for (var i = 0; i < count; i++)
        {
            sequences[i] = r.Int64() is > 0 and var sequence ? sequence : throw new PaxosFormatException("Invalid sequence number.");
        }

        return new ForwardRefused(group, new NodeId(from), session, sequences, reason, message) { ClusterId = cluster };
    }

    /// <summary>The reason of a refusal, once its sender and session are checked.</summary>
    internal static ClientFailure RefusalReason(int from, long session, int reason) =>
        from > 0 && session > 0 && Enum.IsDefined((ClientFailure)reason)
            ? (ClientFailure)reason
            : throw new PaxosFormatException($"Invalid refusal: node {from}, session {session}, reason {reason}.");

    internal static NodeId Sender(int from) => from > 0 ? new NodeId(from) : throw new PaxosFormatException($"Invalid node id {from}.");

    internal static ProposeFailureReason Reason(int value) => Enum.IsDefined((ProposeFailureReason)value)
        ? (ProposeFailureReason)value
        : throw new PaxosFormatException($"Unknown failure reason {value}.");

    private static void Nested(WireWriter w, object? value, CommandSerialization serialization)
    {
        w.Bool(value is not null);
        if (value is null)
        {
            return;
        }

        var (id, manifest, bytes) = serialization.Serialize(value);
        w.Int32(id).String(manifest).Bytes(bytes);
    }

    /// <summary>
    /// A proposal's command. One this system cannot deserialize (a serializer id it does not have,
    /// a manifest it cannot resolve, bytes its serializer refuses) still makes a proposal, of an
    /// <see cref="UndecodableCommand"/>, that the group refuses with SerializationFailed: the
    /// caller hears why, where dropping the message would leave it waiting for its timeout.
    /// </summary>
    private static object Command(ref WireReader r, CommandSerialization serialization)
    {
        if (!r.Bool())
        {
            throw new PaxosFormatException("A proposal needs a command.");
        }

        return Command(r.Int32(), r.String(), r.Bytes(), serialization);
    }

    internal static object Command(int id, string manifest, byte[] payload, CommandSerialization serialization)
    {
        try
        {
            return serialization.Deserialize(payload, id, manifest);
        }
        catch (Exception e) when (e is not PaxosFormatException)
        {
            return new UndecodableCommand(id, manifest, $"The command (serializer {id}, manifest '{manifest}') does not deserialize on this node: {e.Message}");
        }
    }

    private static object? Nested(ref WireReader r, CommandSerialization serialization) =>
        r.Bool() ? Nested(r.Int32(), r.String(), r.Bytes(), serialization) : null;

    internal static object Nested(int id, string manifest, byte[] payload, CommandSerialization serialization)
    {
        try
        {
            return serialization.Deserialize(payload, id, manifest);
        }
        catch (Exception e) when (e is not PaxosFormatException)
        {
            throw new PaxosFormatException($"Nested payload (serializer {id}, manifest '{manifest}') does not deserialize: {e.Message}");
        }
    }
}

/// <summary>A proposal's command that did not deserialize on the node it reached: the group refuses it with SerializationFailed.</summary>
internal sealed record UndecodableCommand(int SerializerId, string Manifest, string Reason);
