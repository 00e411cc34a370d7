namespace PaxosActors.Core;

/// <summary>
/// What one Paxos instance carries: the commands of one or more proposals, in order, and the
/// node whose proposer put them together (<see cref="Proposer"/>: the group's leader hint for
/// every node that learns the value). Each command names the node and proposer session its
/// caller waits at, so a leader can carry commands forwarded from other nodes, and the node of
/// origin answers its caller from its own state machine.
/// </summary>
internal sealed record ProposalValue(NodeId Proposer, IReadOnlyList<StoredCommand> Commands)
{
    // Versions 1 (one origin and session for the whole value) and 2 (no floor) are still read:
    // logs written by earlier versions replay unchanged, their commands deduplicated as before.
    private const byte Version1 = 1;
    private const byte Version2 = 2;
    private const byte Version3 = 3;

    // Version 3's layout, for a value that carries a membership change: a node learning it waits
    // for its learner to apply the change before it takes part in the next instance.
    private const byte Version4 = 4;

    public byte[] Encode()
    {
        var size = 9 + Commands.Sum(c => 48 + c.Payload.Length + (c.Manifest.Length * 3));
        var w = new WireWriter(size).Byte(Commands.Any(c => c.IsSystem) ? Version4 : Version3).Int32(Proposer.Value).Int32(Commands.Count);
        foreach (var c in Commands)
        {
            w.Int32(c.Origin.Value).Int64(c.Session).Int64(c.Sequence).Int64(c.Floor).Int32(c.StateMachineId).Int32(c.SerializerId).String(c.Manifest).Bytes(c.Payload);
        }

        return w.ToArray();
    }

    /// <summary>Whether an encoded value carries a membership change, without decoding it.</summary>
    public static bool CarriesSystem(ReadOnlySpan<byte> bytes) => bytes.Length > 0 && bytes[0] == Version4;

    /// <summary>
    /// Whether, after an encoded value is chosen, the coordinator waits for its learner before
    /// the next instance: for a membership change always, for a master bid in a group with a
    /// master. The learner says it is done by the same rule.
    /// </summary>
    public static bool HoldsTheLog(ReadOnlySpan<byte> bytes, bool groupHasMaster) =>
        CarriesSystem(bytes) || (groupHasMaster && CarriesMaster(bytes));

    /// <summary>
    /// Whether an encoded value carries a master bid (<see cref="StoredCommand.MasterMachine"/>),
    /// without decoding it: the coordinator of a group with a master waits for its learner after
    /// such a value. Unreadable bytes carry none (and every node reads them alike).
    /// </summary>
    public static bool CarriesMaster(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0 || bytes[0] is not (Version3 or Version4))
        {
            return false;
        }

        try
        {
            var r = new WireReader(bytes[1..]);
            r.Int32();
            var count = r.Int32();
            for (var i = 0; i < count; i++)
            {
                r.Int32();
                r.Int64();
                r.Int64();
                r.Int64();
                if (r.Int32() == StoredCommand.MasterMachine)
                {
                    return true;
                }

                r.Int32();
                r.SkipBytes();
                r.SkipBytes();
            }
        }
        catch (PaxosFormatException)
        {
        }

        return false;
    }

    /// <summary>The node that proposed an encoded value, without decoding the rest; null if unreadable.</summary>
    public static NodeId? ProposerOf(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 5 || bytes[0] is not (Version1 or Version2 or Version3 or Version4))
        {
            return null;
        }

        var id = new WireReader(bytes[1..5]).Int32();
        return id > 0 ? new NodeId(id) : null;
    }

    /// <summary>
    /// Decodes and range-checks a value. Every number that later drives a loop or an index is
    /// checked here: node ids are positive, and from version 3 on a session is positive and
    /// 1 &lt;= floor &lt;= sequence.
    /// </summary>
    public static ProposalValue Decode(ReadOnlySpan<byte> bytes)
    {
        var r = new WireReader(bytes);
        var version = r.Byte();
        if (version is not (Version1 or Version2 or Version3 or Version4))
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
            var command = version switch
            {
                Version1 => new StoredCommand(proposer, session, r.Int64(), StoredCommand.LegacyFloor, r.Int32(), r.Int32(), r.String(), r.Bytes()),
                Version2 => new StoredCommand(new NodeId(r.Int32()), r.Int64(), r.Int64(), StoredCommand.LegacyFloor, r.Int32(), r.Int32(), r.String(), r.Bytes()),
                _ => new StoredCommand(new NodeId(r.Int32()), r.Int64(), r.Int64(), r.Int64(), r.Int32(), r.Int32(), r.String(), r.Bytes()),
            };
            Check(command, version);
            commands.Add(command);
        }

        r.End();

        // The flag must tell the truth: a node that learns a membership change without it would
        // go on to the next instance with the old members while its learner applies the new.
        if ((version == Version4) != commands.Any(c => c.IsSystem))
        {
            throw new PaxosFormatException(version == Version4 ? "A value marked as a membership change carries none." : "A membership change in a value not marked as one.");
        }

        return new ProposalValue(proposer, commands);
    }

    private static void Check(StoredCommand c, byte version)
    {
        if (c.Origin.Value <= 0)
        {
            throw new PaxosFormatException($"Invalid node of origin {c.Origin.Value}.");
        }

        if (version >= Version3 && (c.Session <= 0 || c.Sequence <= 0 || c.Floor <= 0 || c.Floor > c.Sequence))
        {
            throw new PaxosFormatException($"Invalid session {c.Session}, sequence {c.Sequence} or floor {c.Floor}.");
        }
    }
}
