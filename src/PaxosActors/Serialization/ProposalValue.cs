using PaxosActors.Core;

namespace PaxosActors.Serialization;

/// <summary>
/// What one Paxos instance carries: the commands of one or more proposals from one node's
/// proposer session, in order. <see cref="Session"/> is random per proposer start, so the pair
/// (origin, session, sequence) names a proposal uniquely even across restarts.
/// </summary>
public sealed record ProposalValue(NodeId Origin, long Session, IReadOnlyList<StoredCommand> Commands)
{
    private const byte Version1 = 1;

    public byte[] Encode()
    {
        var w = new WireWriter().Byte(Version1).Int32(Origin.Value).Int64(Session).Int32(Commands.Count);
        foreach (var c in Commands)
        {
            w.Int64(c.Sequence).Int32(c.StateMachineId).Int32(c.SerializerId).String(c.Manifest).Bytes(c.Payload);
        }

        return w.ToArray();
    }

    public static ProposalValue Decode(ReadOnlySpan<byte> bytes)
    {
        var r = new WireReader(bytes);
        var version = r.Byte();
        if (version != Version1)
        {
            throw new PaxosFormatException($"Unknown value version {version}.");
        }

        var origin = new NodeId(r.Int32());
        var session = r.Int64();
        var count = r.Int32();
        if (count < 0 || count > bytes.Length)
        {
            throw new PaxosFormatException($"Invalid command count {count}.");
        }

        var commands = new List<StoredCommand>(count);
        for (var i = 0; i < count; i++)
        {
            commands.Add(new StoredCommand(r.Int64(), r.Int32(), r.Int32(), r.String(), r.Bytes()));
        }

        r.End();
        return new ProposalValue(origin, session, commands);
    }
}

/// <summary>
/// A user command as the log stores it: which state machine runs it, and the serializer id,
/// manifest and bytes Akka serialization gave it (so any serializer the user binds works).
/// </summary>
public sealed record StoredCommand(long Sequence, int StateMachineId, int SerializerId, string Manifest, byte[] Payload);
