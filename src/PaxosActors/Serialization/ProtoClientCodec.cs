using Google.Protobuf;
using PaxosActors.Core;
using PaxosActors.Messages;
using W = PaxosActors.Serialization.Wire;

namespace PaxosActors.Serialization;

/// <summary>
/// The client and forwarding messages in the Protocol Buffers format (version 2,
/// <c>Protos/wire.proto</c>), with the checks of version 1 (<see cref="ClientCodec"/>) after decoding.
/// </summary>
internal static class ProtoClientCodec
{
    public const string Propose = "PR2", Result = "RS2", Failed = "PF2", GetStatus = "GS2", Status = "ST2", Error = "SE2";
    public const string BatchPropose = "BP2", BatchResult = "BR2", Forward = "FW2", Refused = "FR3", Read = "RD2";
    public const string GetGroups = "NG2", Groups = "NL2";

    public static string? Manifest(object o) => o switch
    {
        PaxosActors.Propose => Propose,
        ProposeResult => Result,
        ProposeFailed => Failed,
        GetGroupStatus => GetStatus,
        GroupStatus => Status,
        StateMachineError => Error,
        PaxosActors.BatchPropose => BatchPropose,
        BatchProposeResult => BatchResult,
        ForwardedCommands => Forward,
        ForwardRefused => Refused,
        PaxosActors.Read => Read,
        GetNodeGroups => GetGroups,
        NodeGroups => Groups,
        _ => null,
    };

    /// <summary>Whether <paramref name="manifest"/> is one of this format's.</summary>
    public static bool Knows(string manifest) => manifest is Propose or Result or Failed or GetStatus or Status or Error or BatchPropose or BatchResult or Forward or Refused or Read or GetGroups or Groups;

    public static byte[] Encode(object o, CommandSerialization serialization)
    {
        IMessage message = o switch
        {
            PaxosActors.Propose p => new W.Propose { Command = Payload(p.Command, serialization), StateMachineId = p.StateMachineId },
            PaxosActors.Read r => new W.Propose { Command = Payload(r.Query, serialization), StateMachineId = r.StateMachineId },
            ProposeResult r => new W.ProposeResult { InstanceId = r.InstanceId, Result = Payload(r.Result, serialization) },
            ProposeFailed f => new W.ProposeFailed { Reason = (int)f.Reason, Message = f.Message, OutcomeUnknown = f.OutcomeUnknown },
            GetGroupStatus => new W.GetGroupStatus(),
            GroupStatus s => StatusOf(s),
            GetNodeGroups => new W.GetNodeGroups(),
            NodeGroups g => new W.NodeGroups { NodeId = g.NodeId, Groups = { g.Groups } },
            StateMachineError e => new W.StateMachineError { Type = e.Type, Message = e.Message },
            PaxosActors.BatchPropose p => new W.BatchPropose { Command = Payload(p.Command, serialization), StateMachineId = p.StateMachineId },
            BatchProposeResult r => new W.BatchProposeResult { InstanceId = r.InstanceId, Index = r.Index, Result = Payload(r.Result, serialization) },
            ForwardedCommands f => new W.ForwardedCommands { ClusterId = f.ClusterId, Group = f.Group, From = f.From.Value, Value = UnsafeByteOperations.UnsafeWrap(f.Value) },
            ForwardRefused f => new W.ForwardRefused { ClusterId = f.ClusterId, Group = f.Group, From = f.From.Value, Session = f.Session, Reason = (int)f.Reason, Message = f.Message, Sequences = { f.Sequences } },
            _ => throw new ArgumentException($"No wire format for {o.GetType().Name}.", nameof(o)),
        };
        return message.ToByteArray();
    }

    public static object Decode(byte[] bytes, string manifest, CommandSerialization serialization)
    {
        switch (manifest)
        {
            case Propose:
                var propose = Parse(W.Propose.Parser, bytes);
                return new PaxosActors.Propose(Command(propose.Command, serialization), propose.StateMachineId);
            case Read:
                var read = Parse(W.Propose.Parser, bytes);
                return new PaxosActors.Read(Command(read.Command, serialization), read.StateMachineId);
            case Result:
                var result = Parse(W.ProposeResult.Parser, bytes);
                return new ProposeResult(result.InstanceId, Nested(result.Result, serialization));
            case Failed:
                var failed = Parse(W.ProposeFailed.Parser, bytes);
                return new ProposeFailed(ClientCodec.Reason(failed.Reason), failed.Message, failed.OutcomeUnknown);
            case GetStatus:
                Parse(W.GetGroupStatus.Parser, bytes);
                return GetGroupStatus.Instance;
            case Status:
                var s = Parse(W.GroupStatus.Parser, bytes);
                return new GroupStatus(s.Group, s.NodeId, s.Executed, s.LastChecksum, s.Halted, s.HasHaltReason ? s.HaltReason : null) { Instance = s.Instance, PeerInstance = s.PeerInstance, Leader = s.Leader };
            case GetGroups:
                Parse(W.GetNodeGroups.Parser, bytes);
                return GetNodeGroups.Instance;
            case Groups:
                var groups = Parse(W.NodeGroups.Parser, bytes);
                return new NodeGroups(groups.NodeId, [.. groups.Groups]);
            case Error:
                var error = Parse(W.StateMachineError.Parser, bytes);
                return new StateMachineError(error.Type, error.Message);
            case BatchPropose:
                var batch = Parse(W.BatchPropose.Parser, bytes);
                return new PaxosActors.BatchPropose(Command(batch.Command, serialization), batch.StateMachineId);
            case BatchResult:
                var batchResult = Parse(W.BatchProposeResult.Parser, bytes);
                return new BatchProposeResult(batchResult.InstanceId, batchResult.Index, Nested(batchResult.Result, serialization));
            case Forward:
                var forward = Parse(W.ForwardedCommands.Parser, bytes);
                return new ForwardedCommands(forward.Group, ClientCodec.Sender(forward.From), forward.Value.ToByteArray()) { ClusterId = forward.ClusterId };
            case Refused:
                return DecodeRefused(Parse(W.ForwardRefused.Parser, bytes));
            default:
                throw new PaxosFormatException($"Unknown manifest '{manifest}'.");
        }
    }

    private static ForwardRefused DecodeRefused(W.ForwardRefused f)
    {
        var reason = ClientCodec.RefusalReason(f.From, f.Session, f.Reason);
        if (f.Sequences.Any(s => s <= 0))
        {
            throw new PaxosFormatException("Invalid sequence number.");
        }

        return new ForwardRefused(f.Group, ClientCodec.Sender(f.From), f.Session, [.. f.Sequences], reason, f.Message) { ClusterId = f.ClusterId };
    }

    private static W.GroupStatus StatusOf(GroupStatus s)
    {
        var status = new W.GroupStatus { Group = s.Group, NodeId = s.NodeId, Executed = s.Executed, LastChecksum = s.LastChecksum, Halted = s.Halted, Instance = s.Instance, PeerInstance = s.PeerInstance, Leader = s.Leader };
        if (s.HaltReason is { } reason)
        {
            status.HaltReason = reason;
        }

        return status;
    }

    private static T Parse<T>(MessageParser<T> parser, byte[] bytes)
        where T : IMessage<T> => ProtoMessageCodec.Parse(parser, bytes);

    private static W.Payload? Payload(object? value, CommandSerialization serialization)
    {
        if (value is null)
        {
            return null;
        }

        var (id, manifest, bytes) = serialization.Serialize(value);
        return new W.Payload { SerializerId = id, Manifest = manifest, Data = UnsafeByteOperations.UnsafeWrap(bytes) };
    }

    private static object Command(W.Payload? command, CommandSerialization serialization) =>
        command is null
            ? throw new PaxosFormatException("A proposal needs a command.")
            : ClientCodec.Command(command.SerializerId, command.Manifest, command.Data.ToByteArray(), serialization);

    private static object? Nested(W.Payload? value, CommandSerialization serialization) =>
        value is null ? null : ClientCodec.Nested(value.SerializerId, value.Manifest, value.Data.ToByteArray(), serialization);
}
