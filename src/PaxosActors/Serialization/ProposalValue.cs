using PaxosActors.Core;

namespace PaxosActors.Serialization;

/// <summary>
/// What one Paxos instance carries: the commands of one or more proposals, in order, and the
/// node whose proposer put them together (<see cref="Proposer"/>: the group's leader hint for
/// every node that learns the value). Each command names the node and proposer session its
/// caller waits at, so a leader can carry commands forwarded from other nodes, and the node of
/// origin answers its caller from its own state machine.
/// </summary>
public sealed record ProposalValue(NodeId Proposer, IReadOnlyList<StoredCommand> Commands)
{
    // Version 1 (one origin and session for the whole value) is still read: logs written by
    // earlier versions replay unchanged.
    private const byte Version1 = 1;
    private const byte Version2 = 2;

    public byte[] Encode()
    {
        var size = 9 + Commands.Sum(c => 40 + c.Payload.Length + (c.Manifest.Length * 3));
        var w = new WireWriter(size).Byte(Version2).Int32(Proposer.Value).Int32(Commands.Count);
        foreach (var c in Commands)
        {
            w.Int32(c.Origin.Value).Int64(c.Session).Int64(c.Sequence).Int32(c.StateMachineId).Int32(c.SerializerId).String(c.Manifest).Bytes(c.Payload);
        }

        return w.ToArray();
    }

    /// <summary>The node that proposed an encoded value, without decoding the rest; null if unreadable.</summary>
    public static NodeId? ProposerOf(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 5 || bytes[0] is not (Version1 or Version2))
        {
            return null;
        }

        var id = new WireReader(bytes[1..5]).Int32();
        return id > 0 ? new NodeId(id) : null;
    }

    public static ProposalValue Decode(ReadOnlySpan<byte> bytes)
    {
        var r = new WireReader(bytes);
        var version = r.Byte();
        if (version is not (Version1 or Version2))
        {
            throw new PaxosFormatException($"Unknown value version {version}.");
        }

        var proposer = new NodeId(r.Int32());
        var session = version == Version1 ? r.Int64() : 0;
        var count = r.Int32();
        if (count < 0 || count > bytes.Length)
        {
            throw new PaxosFormatException($"Invalid command count {count}.");
        }

        var commands = new List<StoredCommand>(count);
        for (var i = 0; i < count; i++)
        {
            commands.Add(version == Version1
                ? new StoredCommand(proposer, session, r.Int64(), r.Int32(), r.Int32(), r.String(), r.Bytes())
                : new StoredCommand(new NodeId(r.Int32()), r.Int64(), r.Int64(), r.Int32(), r.Int32(), r.String(), r.Bytes()));
        }

        r.End();
        return new ProposalValue(proposer, commands);
    }
}

/// <summary>
/// A user command as the log stores it: the node, proposer session and sequence number its
/// caller waits on, which state machine runs it, and the serializer id, manifest and bytes Akka
/// serialization gave it (so any serializer the user binds works).
/// </summary>
public sealed record StoredCommand(NodeId Origin, long Session, long Sequence, int StateMachineId, int SerializerId, string Manifest, byte[] Payload);
