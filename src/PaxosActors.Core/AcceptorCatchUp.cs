namespace PaxosActors.Core;

/// <summary>
/// Brings a restarted acceptor's chosen log up to its learner's when the instances it lacks are
/// older than the learner keeps in memory. That happens after a storage outage: the acceptor
/// failed its writes and restarted from a journal that ends where the outage began, while the
/// learner went on learning from the peers and let the old instances go. Its own journal
/// cannot have them (it is what ended), the learner no longer has them: only the peers do.
/// <para>
/// It asks one member at a time for [<see cref="Next"/>, <see cref="Until"/>) with
/// <see cref="AskForLearn"/> (the ordinary catch-up, served from the peer's memory or its
/// journal, a batch at a time), checks each <see cref="ValueChosen"/> against the checksum
/// chain from the acceptor's last durable instance, and hands it to the acceptor in order. At
/// <see cref="Until"/> the chain must lead into the learner's first instance in memory. A peer
/// that goes quiet is passed over at the next tick. A chain that does not match is a
/// divergence: halt, as the coordinator does.
/// </para>
/// </summary>
internal sealed class AcceptorCatchUp
{
    private readonly NodeId _self;
    private readonly IReadOnlyList<NodeId> _peers;
    private readonly LogEntry? _joinsAt;
    private readonly Breakpoints _breakpoints;
    private int _peer;
    private long _nextAtTick;

    /// <param name="self">This node.</param>
    /// <param name="members">The group: the peers asked are its other members.</param>
    /// <param name="from">The acceptor's instance after its restart: the first it lacks.</param>
    /// <param name="previousChecksum">The acceptor's checksum of instance <paramref name="from"/> - 1.</param>
    /// <param name="until">The learner's first instance in memory, from which the learner hands the acceptor the rest.</param>
    /// <param name="joinsAt">The learner's entry for <paramref name="until"/>, which the fetched chain must lead into.</param>
    public AcceptorCatchUp(NodeId self, Membership members, long from, ulong previousChecksum, long until, LogEntry? joinsAt, Breakpoints? breakpoints = null)
    {
        _breakpoints = breakpoints ?? Breakpoints.Untagged;
        if (from < 0 || until < from)
        {
            throw new ArgumentOutOfRangeException(nameof(until), $"Cannot catch up from {from} to {until}.");
        }

        _self = self;
        _peers = members.Members.Where(m => m != self).ToArray();
        _joinsAt = joinsAt;
        Next = from;
        Until = until;
        PreviousChecksum = previousChecksum;
        _nextAtTick = from;
    }

    /// <summary>The first instance the acceptor has not been handed yet.</summary>
    public long Next { get; private set; }

    /// <summary>Where the learner's memory begins: the catch-up ends there.</summary>
    public long Until { get; }

    /// <summary>The checksum of instance <see cref="Next"/> - 1.</summary>
    public ulong PreviousChecksum { get; private set; }

    public bool IsDone => Next == Until;

    public string? HaltReason { get; private set; }

    /// <summary>The peer asked last.</summary>
    public NodeId Asked => _peers.Count == 0 ? NodeId.None : _peers[_peer];

    /// <summary>Asks the first peer; with nothing to fetch, checks the join at once.</summary>
    public IReadOnlyList<Effect> Start()
    {
        _breakpoints.Count("acceptor_catch_up.from_peers");
        var effects = new List<Effect>();
        if (IsDone)
        {
            Join(effects);
        }
        else if (_peers.Count == 0)
        {
            // A lone member's learner never gets ahead of its acceptor by more than the instance
            // being written; were it to, nothing on earth would still hold the instances.
            Stop("no_peer", $"The acceptor lacks instances {Next} to {Until - 1} and the group has no other member to fetch them from.", effects);
        }
        else
        {
            Ask(effects);
        }

        return effects;
    }

    /// <summary>A chosen value or a batch's end, from any peer.</summary>
    public IReadOnlyList<Effect> Handle(PaxosMessage m)
    {
        if (IsDone || HaltReason is not null || !_peers.Contains(m.From))
        {
            return [];
        }

        var effects = new List<Effect>();
        switch (m)
        {
            case ValueChosen v when v.Instance == Next:
                Take(v, effects);
                break;
            case LearnOffer o when o.From == Asked && o.Instance > Next:
                // The end of a batch from the peer asked, and it has more: ask for the next.
                Ask(effects);
                break;
        }

        return effects;
    }

    /// <summary>The periodic tick: a peer that sent nothing since the last one is passed over.</summary>
    public IReadOnlyList<Effect> OnTick()
    {
        if (IsDone || HaltReason is not null || _peers.Count == 0)
        {
            return [];
        }

        var effects = new List<Effect>();
        if (Next == _nextAtTick)
        {
            _breakpoints.Count("acceptor_catch_up.peer_passed_over");
            _peer = (_peer + 1) % _peers.Count;
            Ask(effects);
        }

        _nextAtTick = Next;
        return effects;
    }

    private void Take(ValueChosen v, List<Effect> effects)
    {
        var expected = Checksum.Next(PreviousChecksum, v.Value);
        if (v.Checksum != expected)
        {
            Stop("checksum_mismatch", $"Instance {v.Instance} diverged: node {v.From} has checksum {v.Checksum:x16}, this node's acceptor computes {expected:x16}.", effects);
            return;
        }

        _breakpoints.Count("acceptor_catch_up.learned");
        effects.Add(new Deliver(Role.Acceptor, new InstanceLearned(v.Instance, v.Value, v.Checksum)));
        PreviousChecksum = v.Checksum;
        Next++;
        if (IsDone)
        {
            Join(effects);
        }
    }

    private void Join(List<Effect> effects)
    {
        if (_joinsAt is { } first && Checksum.Next(PreviousChecksum, first.Value) != first.Checksum)
        {
            Stop("checksum_mismatch", $"Instance {Until} diverged: the chain the peers sent up to it does not lead to this node's checksum {first.Checksum:x16}.", effects);
        }
    }

    private void Stop(string counter, string reason, List<Effect> effects)
    {
        _breakpoints.Count("acceptor_catch_up." + counter);
        HaltReason = reason;
        effects.Add(new Halt(reason));
    }

    /// <summary>Asks the current peer; only called with peers to ask.</summary>
    private void Ask(List<Effect> effects) => effects.Add(new Send(_peers[_peer], new AskForLearn(Next, _self)));
}
