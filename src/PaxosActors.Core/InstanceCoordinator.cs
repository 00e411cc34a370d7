namespace PaxosActors.Core;

/// <summary>
/// PhxPaxos's <c>Instance</c>: the entry point of one node of one group. It knows the current
/// instance, routes each message to the role it is for, holds messages for future instances
/// (bounded in count, in bytes, and in distance from the current instance) until this node
/// catches up, drops stale and foreign ones, and advances all three
/// roles together when an instance is chosen: acceptor, learner, proposer, in that order.
/// </summary>
internal sealed class InstanceCoordinator
{
    private readonly NodeId _self;
    private readonly ProtocolOptions _options;
    private readonly SortedDictionary<long, List<PaxosMessage>> _future = [];
    private readonly LeaseFence? _fence;
    private Membership _members;

    // The highest instance this node's own proposer sent an accept for, as routed here: a value
    // there may be chosen before this node hears of it.
    private long _ownAcceptAt = -1;

    // The last Accept handed to the acceptor for the current instance: if a later Accept
    // announces its ballot as chosen, its value is the chosen one.
    private Accept? _lastAccept;

    // The proposer's news of a learned membership change, held until the learner applied it.
    private InstanceLearned? _awaitingSystem;
    private int _futureCount;
    private long _futureBytes;
    private long _askedAt = -1;
    private long _streamAskedAt = -1;

    /// <param name="fence">The group's master lease, if it has a master: the acceptor votes for no other proposer while it holds.</param>
    public InstanceCoordinator(NodeId self, Membership members, ProtocolOptions options, long instance, ulong previousChecksum, LeaseFence? fence = null)
    {
        _fence = fence;
        _self = self;
        _members = members;
        _options = options;
        Instance = instance;
        PreviousChecksum = previousChecksum;
    }

    /// <summary>The first instance this node has not learned: the one being decided.</summary>
    public long Instance { get; private set; }

    /// <summary>The highest instance a valid message from another member carried: how far the best peer has come, as far as this node has heard.</summary>
    public long PeerInstance { get; private set; }

    public ulong PreviousChecksum { get; private set; }

    /// <summary>The membership of <see cref="Instance"/>.</summary>
    public Membership Members => _members;

    /// <summary>
    /// True after learning a membership change (or, in a group with a master, a master bid),
    /// until the learner reports it applied (<see cref="SystemApplied"/>): meanwhile nothing of
    /// the next instance is handled.
    /// </summary>
    public bool AwaitsMembership => _awaitingSystem is not null;

    public string? HaltReason { get; private set; }

    public bool IsHalted => HaltReason is not null;

    public int HeldMessages => _futureCount;

    /// <summary>Bytes of values in the held messages.</summary>
    public long HeldBytes => _futureBytes;

    /// <summary>Stops the group on this node: from now on every message is dropped.</summary>
    public void Halt(string reason)
    {
        HaltReason ??= reason;
        _lastAccept = null;
        _future.Clear();
        _futureCount = 0;
        _futureBytes = 0;
    }

    public IReadOnlyList<Effect> Handle(PaxosMessage m)
    {
        var effects = new List<Effect>();
        Route(m, effects);
        return effects;
    }

    /// <summary>
    /// The periodic learn tick: ask every other member for what follows this node's log, in
    /// case the announcements of chosen values were lost.
    /// </summary>
    public IReadOnlyList<Effect> OnLearnTick()
    {
        if (IsHalted)
        {
            return [];
        }

        // Every member, not only the one a follower follows: that is how a follower fails over.
        _askedAt = Instance;
        return _members.Members.Where(n => n != _self).Select(n => (Effect)new Send(n, new AskForLearn(Instance, _self))).ToList();
    }

    /// <summary>
    /// The learner installed a checkpoint that covers every instance below
    /// <c>s.Instance</c>: the acceptor and the proposer move there too, and the messages held
    /// for the instances it covers are void (those for its own go on).
    /// </summary>
    /// <remarks>
    /// The learner runs a mailbox behind this coordinator, so this node may have learned up to
    /// or past the checkpoint while the learner still held it. The learner then never runs the
    /// instances the checkpoint covers, and the proposer is still told: the callers whose
    /// commands were chosen there are answered by it, not by their deadlines.
    /// </remarks>
    public IReadOnlyList<Effect> Skip(InstancesSkipped s)
    {
        if (IsHalted)
        {
            return [];
        }

        if (s.Instance < Instance || (s.Instance == Instance && _awaitingSystem is null))
        {
            return [new Deliver(Role.Proposer, s)];
        }

        var effects = new List<Effect>();
        if (s.Instance == Instance)
        {
            // The checkpoint is the state after the membership change (or bid) awaited: it ends
            // the wait, and the learner never applies that value, so the fence takes its master.
            if (s.Master is not null)
            {
                _fence?.Loaded(s.Master);
            }

            ApplySystem(s.System, effects);
            effects.Add(new Deliver(Role.Proposer, s with { Members = _members }));
            Release(effects);
            return effects;
        }

        _options.Breakpoints.Count("coordinator.skipped");
        var awaited = _awaitingSystem;
        _awaitingSystem = null;
        if (s.System is not null)
        {
            _members = _members.With(s.System);
        }

        if (s.Master is not null)
        {
            _fence?.Loaded(s.Master);
        }

        effects.Add(new Deliver(Role.Acceptor, new CheckpointInstalled(s.Instance, s.PreviousChecksum)));
        if (awaited is not null)
        {
            // The proposer still waits at the instance of the change: it learns that first.
            effects.Add(new Deliver(Role.Proposer, awaited with { Members = _members }));
        }

        effects.Add(new Deliver(Role.Proposer, s with { Members = _members }));
        Instance = s.Instance;
        PreviousChecksum = s.PreviousChecksum;
        foreach (var stale in _future.Where(f => f.Key < Instance).ToList())
        {
            _future.Remove(stale.Key);
            _futureCount -= stale.Value.Count;
            _futureBytes -= stale.Value.Sum(SizeOf);
        }

        Release(effects);
        return effects;
    }

    /// <summary>
    /// The learner ran every instance below <paramref name="through"/> and the membership is
    /// <paramref name="state"/>: if that ends the wait after a membership change, the proposer
    /// learns the change's instance with the new members, and the next instance goes on.
    /// </summary>
    public IReadOnlyList<Effect> SystemApplied(long through, SystemState state)
    {
        if (IsHalted || _awaitingSystem is null || through != Instance)
        {
            return [];
        }

        var effects = new List<Effect>();
        ApplySystem(state, effects);
        Release(effects);
        return effects;
    }

    /// <summary>
    /// The learner applied the master bid chosen at <paramref name="instance"/> (it reports that
    /// before <see cref="SystemApplied"/> ends the wait): the fence follows, and the proposer
    /// hears who the master is now.
    /// </summary>
    public IReadOnlyList<Effect> MasterLearned(long instance, MasterCommand bid)
    {
        if (_fence is null)
        {
            return [];
        }

        _fence.Learned(instance, bid);
        return [MasterHint()!];
    }

    /// <summary>The master as the fence sees it, for the proposer to hand commands to (null: no master in this group).</summary>
    public Effect? MasterHint() =>
        _fence?.View is { } view ? new Deliver(Role.Proposer, new MasterSeen(view.Master, view.RemainingMs)) : null;

    /// <summary>
    /// Where a read may run now without a round, or null when this node does not hold the master
    /// lease: no other node's value can be chosen while it holds, so every instance chosen lies
    /// below this node's current one, or is the current one if this node's own accept is out there.
    /// </summary>
    public long? LeaseReadIndex()
    {
        if (_fence is null || IsHalted || _awaitingSystem is not null || !_fence.Held)
        {
            return null;
        }

        return _ownAcceptAt >= Instance && !_options.Bugs.HasFlag(DeliberateBugs.LeaseReadIgnoresOwnAccept) ? Instance + 1 : Instance;
    }

    /// <summary>Whether this node holds the master lease now, as its fence sees it.</summary>
    public bool HoldsLease => _fence?.Held == true;

    /// <summary>This node gives the master lease up: from now on it serves no lease reads.</summary>
    public void DropLease() => _fence?.Drop();

    private void ApplySystem(SystemState? state, List<Effect> effects)
    {
        _options.Breakpoints.Count("coordinator.membership_applied");
        _members = state is null ? _members : _members.With(state);
        if (_awaitingSystem is { } awaited)
        {
            // A value with only a master bid changes no members: the proposer keeps its promises.
            effects.Add(new Deliver(Role.Proposer, ProposalValue.CarriesSystem(awaited.Value) ? awaited with { Members = _members } : awaited));
        }

        _awaitingSystem = null;
    }

    private void Route(PaxosMessage m, List<Effect> effects)
    {
        if (IsHalted)
        {
            effects.Add(new Dropped(m, "halted"));
            return;
        }

        // Followers only ask to learn (or for a checkpoint's chunks); everything else must come
        // from a voting member.
        if (!_members.Contains(m.From) && !(m is AskForLearn or ChunkRequest && _members.MayLearn(m.From)))
        {
            effects.Add(new Dropped(m, "not_member"));
            return;
        }

        if (m.Instance < 0 || !Plausible(m))
        {
            effects.Add(new Dropped(m, "malformed"));
            return;
        }

        // A ballot names its proposer. A Prepare or Accept in another node's ballot is forged or
        // corrupt: answering it would spend that node's ballot on a value it never proposed.
        if (m is Prepare { Ballot.Node: var preparer } && preparer != m.From || m is Accept { Ballot.Node: var proposer } && proposer != m.From)
        {
            effects.Add(new Dropped(m, "ballot_mismatch"));
            return;
        }

        if (m.From != _self && m.Instance > PeerInstance)
        {
            PeerInstance = m.Instance;
        }

        if (m is Accept && m.From == _self && m.Instance > _ownAcceptAt)
        {
            _ownAcceptAt = m.Instance;
        }

        if (m is Accept { ChosenBallot.IsZero: false } next && next.Instance == Instance + 1 && _awaitingSystem is null)
        {
            LearnFromNextAccept(next, effects);
            if (IsHalted)
            {
                return;
            }
        }

        switch (m)
        {
            case AskForLearn or CheckpointOffer or ChunkRequest or CheckpointChunk:
                effects.Add(new Deliver(Role.Learner, m));
                break;
            case ValueChosen or Prepare or Accept when m.Instance < Instance:
                effects.Add(new Deliver(Role.Learner, m));
                break;
            case LearnOffer or ValueChosen or Prepare or Accept when _awaitingSystem is not null:
                // The members of this instance are not known until the learner applied the change.
                Hold(m, effects);
                break;
            case LearnOffer o when o.Instance > Instance && Instance > _streamAskedAt:
                // The end of a catch-up batch, and this node is still behind: ask for the next one.
                _streamAskedAt = Instance;
                effects.Add(new Send(o.From, new AskForLearn(Instance, _self)));
                break;
            case LearnOffer:
                break;
            case ValueChosen v when v.Instance == Instance:
                Learn(v, effects);
                break;
            case Prepare or Accept when m.Instance == Instance && _fence is not null && _fence.Refuses(m.From):
                // Another node holds the master lease: it may be serving reads without a round.
                _options.Breakpoints.Count("coordinator.lease_refused");
                effects.Add(new Dropped(m, "master_lease"));
                break;
            case Prepare or Accept when m.Instance == Instance:
                _lastAccept = m as Accept ?? _lastAccept;
                effects.Add(new Deliver(Role.Acceptor, m));
                break;
            case PrepareReply or AcceptReply when m.Instance == Instance && _awaitingSystem is null:
                effects.Add(new Deliver(Role.Proposer, m));
                break;
            case PrepareReply or AcceptReply:
                effects.Add(new Dropped(m, "stale"));
                break;
            default:
                Hold(m, effects);
                break;
        }
    }

    /// <summary>
    /// Ballots must leave room to count up: a proposal id near long.MaxValue (a corrupt or hostile
    /// peer) would otherwise wedge every proposer that has to out-bid it.
    /// </summary>
    private static bool Plausible(PaxosMessage m)
    {
        const long limit = long.MaxValue / 2;
        return m switch
        {
            Prepare p => p.Ballot.ProposalId is > 0 and < limit,
            Accept a => a.Ballot.ProposalId is > 0 and < limit && a.ChosenBallot.ProposalId is >= 0 and < limit,
            PrepareReply r => r.Promised.ProposalId is >= 0 and < limit && r.AcceptedBallot.ProposalId is >= 0 and < limit,
            AcceptReply r => r.Promised.ProposalId is >= 0 and < limit,
            CheckpointOffer o => o.Length > 0,
            ChunkRequest r => r.Offset >= 0 && r.Bytes is > 0 and <= ChunkRequest.MaxBytes,
            CheckpointChunk c => c.Offset >= 0 && c.Data.Length <= ChunkRequest.MaxBytes,
            _ => true,
        };
    }

    /// <summary>
    /// DESIGN.md invariant 8, rule b: <paramref name="next"/>'s sender got an accept majority for
    /// this instance at <c>next.ChosenBallot</c>. If that is the ballot of the Accept this node
    /// saw last here, its value is the chosen one (a ballot carries one value per instance, and
    /// only its own node sends it); the checksum the sender chained over it is checked as any
    /// chosen value's is. Otherwise the next Accept waits, and this node asks for the value.
    /// </summary>
    private void LearnFromNextAccept(Accept next, List<Effect> effects)
    {
        if (_lastAccept is not { } last || last.Instance != Instance || next.ChosenBallot.Node != next.From
            || (last.Ballot != next.ChosenBallot && !_options.Bugs.HasFlag(DeliberateBugs.ChosenBallotNotCompared)))
        {
            _options.Breakpoints.Count("coordinator.chosen_ballot_unknown");
            return;
        }

        _options.Breakpoints.Count("coordinator.learned_from_accept");
        Learn(new ValueChosen(Instance, next.From, last.Value, next.PreviousChecksum), effects);
    }

    private void Learn(ValueChosen v, List<Effect> effects)
    {
        var expected = Checksum.Next(PreviousChecksum, v.Value);
        if (v.Checksum != expected)
        {
            _options.Breakpoints.Count("coordinator.checksum_mismatch");
            var reason = $"Instance {v.Instance} diverged: node {v.From} has checksum {v.Checksum:x16}, this node computes {expected:x16}.";
            effects.Add(new Halt(reason));
            Halt(reason);
            return;
        }

        _options.Breakpoints.Count("coordinator.learned");
        var learned = new InstanceLearned(v.Instance, v.Value, v.Checksum);
        effects.Add(new Deliver(Role.Acceptor, learned));
        effects.Add(new Deliver(Role.Learner, learned));
        if (ProposalValue.HoldsTheLog(v.Value, _fence is not null))
        {
            _options.Breakpoints.Count("coordinator.membership_learned");
            _awaitingSystem = learned;
        }
        else
        {
            effects.Add(new Deliver(Role.Proposer, learned));
        }
        foreach (var follower in _members.FollowersOf(_self))
        {
            effects.Add(new Send(follower, new ValueChosen(v.Instance, _self, v.Value, v.Checksum)));
        }

        Instance++;
        PreviousChecksum = v.Checksum;
        _lastAccept = null;
        Release(effects);
    }

    private void Release(List<Effect> effects)
    {
        while (_future.Count > 0 && !IsHalted && _awaitingSystem is null)
        {
            var first = _future.First();
            if (first.Key > Instance)
            {
                return;
            }

            _future.Remove(first.Key);
            _futureCount -= first.Value.Count;
            _futureBytes -= first.Value.Sum(SizeOf);
            foreach (var held in first.Value)
            {
                if (held.Instance == Instance)
                {
                    Route(held, effects);
                }
            }
        }
    }

    private void Hold(PaxosMessage m, List<Effect> effects)
    {
        if (_options.Bugs.HasFlag(DeliberateBugs.BallotEqualityLearning) && m.Instance == Instance + 1)
        {
            switch (m)
            {
                case Prepare p:
                    effects.Add(new Deliver(Role.Acceptor, new NextInstanceSeen(p.Instance, p.Ballot)));
                    break;
                case Accept a:
                    effects.Add(new Deliver(Role.Acceptor, new NextInstanceSeen(a.Instance, a.Ballot)));
                    break;
            }
        }

        if (_askedAt != Instance && m.From != _self)
        {
            // We are behind the sender: ask it for what we miss rather than wait for a tick.
            _askedAt = Instance;
            effects.Add(new Send(m.From, new AskForLearn(Instance, _self)));
        }

        // Held messages wait for this node to catch up instance by instance; one that far
        // ahead would wait for a long catch-up, and a peer could fill the queue with them.
        if (m.Instance - Instance > _options.FutureQueueLimit)
        {
            effects.Add(new Dropped(m, "future_too_far"));
            return;
        }

        if (_futureCount >= _options.FutureQueueLimit)
        {
            effects.Add(new Dropped(m, "future_queue_full"));
            return;
        }

        var size = SizeOf(m);
        if (size > _options.FutureQueueBytes - _futureBytes)
        {
            effects.Add(new Dropped(m, "future_queue_bytes"));
            return;
        }

        if (!_future.TryGetValue(m.Instance, out var list))
        {
            _future[m.Instance] = list = [];
        }

        list.Add(m);
        _futureCount++;
        _futureBytes += size;
    }

    /// <summary>What a held message costs in the byte bound: the value it carries.</summary>
    private static long SizeOf(PaxosMessage m) => m switch
    {
        Accept a => a.Value.Length,
        ValueChosen v => v.Value.Length,
        _ => 0,
    };
}
