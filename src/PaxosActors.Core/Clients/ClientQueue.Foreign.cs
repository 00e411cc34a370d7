namespace PaxosActors.Core;

/// <summary>Commands other nodes handed to this one: proposed here, never handed on.</summary>
internal sealed partial class ClientQueue
{
    private readonly Queue<(StoredCommand Command, long Until)> _foreign = new();

    // The commands held in _foreign, so that a hand-over the network delivers twice is held once.
    private readonly HashSet<(NodeId, long, long)> _foreignHeld = [];

    /// <summary>
    /// <paramref name="from"/> (the host checked that the message came from that node) handed
    /// over an encoded <see cref="ProposalValue"/> of its commands.
    /// </summary>
    public IReadOnlyList<Effect> Forwarded(NodeId from, byte[] value, long now)
    {
        var effects = new List<Effect>();
        ProposalValue decoded;
        try
        {
            decoded = ProposalValue.Decode(value);
        }
        catch (PaxosFormatException)
        {
            effects.Add(new Rejected("malformed_forward"));
            return effects;
        }

        var refused = new List<StoredCommand>();
        foreach (var command in decoded.Commands)
        {
            if (command.Origin != from || command.Floor == StoredCommand.LegacyFloor)
            {
                effects.Add(new Rejected("forward_not_from_origin"));
                continue;
            }

            if (_foreignHeld.Contains(Key(command)))
            {
                effects.Add(new Rejected("forward_duplicate"));
                continue;
            }

            if (_halted is not null || (!command.IsFence && _foreignHeld.Count >= _foreignLimit))
            {
                refused.Add(command);
                continue;
            }

            _foreignHeld.Add(Key(command));
            _foreign.Enqueue((command, checked(now + (long)_options.ProposeTimeout.TotalMilliseconds)));
        }

        if (refused.Count > 0)
        {
            Refuse(refused, _halted is null ? ClientFailure.Overloaded : ClientFailure.GroupHalted,
                _halted ?? $"The leader (node {_self.Value}) has {_foreignHeld.Count} handed-over proposals waiting.", effects);
        }

        TryStart(effects, now);
        return Finish(effects, now);
    }

    private static (NodeId, long, long) Key(StoredCommand c) => (c.Origin, c.Session, c.Sequence);

    /// <summary>Tells the nodes of origin that these commands will not be proposed here.</summary>
    private static void Refuse(IEnumerable<StoredCommand> commands, ClientFailure reason, string why, List<Effect> effects)
    {
        foreach (var group in commands.GroupBy(c => (c.Origin, c.Session)))
        {
            effects.Add(new RefuseCommands(group.Key.Origin, group.Key.Session, group.Select(c => c.Sequence).ToList(), reason, why));
        }
    }
}
