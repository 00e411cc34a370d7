namespace PaxosActors.Core;

/// <summary>
/// The acceptor role. It changes its state in memory at once but every reply travels inside a
/// <see cref="PersistThenSend"/>, so nothing it says leaves before the write that records it is
/// durable (invariant 2). Its promise never goes down (invariant 4).
/// </summary>
internal sealed class Acceptor
{
    private readonly NodeId _self;
    private readonly DeliberateBugs _bugs;
    private readonly Breakpoints _breakpoints;
    private readonly long _markEvery;

    /// <param name="markEvery">Write a <see cref="LogMark"/> after every this many chosen instances (0: none).</param>
    public Acceptor(NodeId self, AcceptorState state, Breakpoints? breakpoints = null, long markEvery = 0)
        : this(self, state, DeliberateBugs.None, breakpoints, markEvery)
    {
    }

    internal Acceptor(NodeId self, AcceptorState state, DeliberateBugs bugs, Breakpoints? breakpoints = null, long markEvery = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(markEvery);
        _markEvery = markEvery;
        _breakpoints = breakpoints ?? Breakpoints.Untagged;
        _self = self;
        _bugs = bugs;
        State = state;
    }

    public AcceptorState State { get; private set; }

    /// <summary>
    /// The first instance this acceptor has accepted nothing in: its current instance, or the one
    /// after it when it has accepted a value there. Every instance chosen before now was accepted
    /// by a majority, so the largest read index of any majority is past all of them: a node that
    /// has executed everything below it has seen every write that finished before it asked.
    /// </summary>
    public long ReadIndex => State.Instance + (State.AcceptedBallot > Ballot.Zero ? 1 : 0);

    /// <summary>Rebuilds the state from the events written before a restart, in write order.</summary>
    public static AcceptorState Recover(IEnumerable<AcceptorEvent> events) => Recover(events, DeliberateBugs.None);

    internal static AcceptorState Recover(IEnumerable<AcceptorEvent> events, DeliberateBugs bugs)
    {
        var state = events.Aggregate(AcceptorState.Initial, (s, e) => s.Apply(e));
        return bugs.HasFlag(DeliberateBugs.ForgetPromiseOnRestart) ? state with { Promised = state.AcceptedBallot } : state;
    }

    public IReadOnlyList<Effect> Handle(object input) => input switch
    {
        Prepare p => OnPrepare(p),
        Accept a => OnAccept(a),
        InstanceLearned l => OnLearned(l),
        CheckpointInstalled c => OnInstalled(c),
        NextInstanceSeen n => OnNextInstanceSeen(n),
        _ => throw new ArgumentException($"The acceptor takes no {input.GetType().Name}.", nameof(input)),
    };

    private IReadOnlyList<Effect> OnPrepare(Prepare p)
    {
        if (p.Instance != State.Instance)
        {
            return [new Dropped(p, "acceptor_elsewhere")];
        }

        if (p.Ballot < State.Promised)
        {
            _breakpoints.Count("acceptor.prepare.rejected");
            return Reply(null, new PrepareReply(p.Instance, _self, p.Ballot, false, State.Promised, Ballot.Zero, null), p.From);
        }

        _breakpoints.Count("acceptor.prepare.promised");
        AcceptorEvent? write = null;
        if (p.Ballot > State.Promised)
        {
            State = State with { Promised = p.Ballot };
            write = new Promised(p.Ballot);
        }

        var reply = new PrepareReply(p.Instance, _self, p.Ballot, true, State.Promised, State.AcceptedBallot, State.AcceptedValue);
        return Reply(write, reply, p.From);
    }

    private IReadOnlyList<Effect> OnAccept(Accept a)
    {
        // The host may route a message before the acceptor caught up with the log (after a
        // storage restart, say): that is a lost message, never a reason to accept.
        if (a.Instance != State.Instance)
        {
            return [new Dropped(a, "acceptor_elsewhere")];
        }

        // A proposer whose log differs from ours gets no vote. That is not yet proof of
        // divergence (the message is no chosen value, and may be corrupt or forged): a group
        // halts only on a chosen value's checksum, where the learners compare them.
        if (a.PreviousChecksum != State.PreviousChecksum)
        {
            _breakpoints.Count("acceptor.accept.checksum_mismatch");
            return [new Dropped(a, "previous_checksum_mismatch")];
        }

        if (a.Ballot < State.Promised)
        {
            _breakpoints.Count("acceptor.accept.rejected");
            return Reply(null, new AcceptReply(a.Instance, _self, a.Ballot, false, State.Promised), a.From);
        }

        _breakpoints.Count("acceptor.accept.accepted");
        AcceptorEvent? write = null;
        if (a.Ballot != State.AcceptedBallot)
        {
            State = State with { Promised = a.Ballot, AcceptedBallot = a.Ballot, AcceptedValue = a.Value };
            write = new Accepted(a.Instance, a.Ballot, a.Value);
        }

        return Reply(write, new AcceptReply(a.Instance, _self, a.Ballot, true, State.Promised), a.From);
    }

    private IReadOnlyList<Effect> OnLearned(InstanceLearned l)
    {
        if (l.Instance != State.Instance)
        {
            return [];
        }

        // A value this acceptor accepted is on disk already: the chosen record only refers to it.
        AcceptorEvent chosen = State.AcceptedValue is { } mine && mine.AsSpan().SequenceEqual(l.Value)
            ? new ChosenAccepted(l.Instance, State.AcceptedBallot, l.Checksum)
            : new InstanceChosen(l.Instance, l.Value, l.Checksum);
        State = State.Apply(chosen);
        // Nobody waits for the chosen record (it can be learned again): it rides with the
        // acceptor's next write, usually the next instance's accept, instead of a commit of its own.
        var write = new PersistThenSend(chosen, []) { MayWait = true };
        if (_markEvery == 0 || State.Instance % _markEvery != 0)
        {
            return [write];
        }

        // Written right behind the chosen record, before anything of the next instance: the
        // journal can begin here once a checkpoint covers what lies before.
        return [write, new PersistThenSend(Mark(), []) { MayWait = true }];
    }

    /// <summary>
    /// The node loaded a checkpoint that covers every instance below <c>c.Instance</c>: this
    /// acceptor never votes in those again (they are chosen), and the journal may begin at the
    /// mark written behind the record.
    /// </summary>
    private IReadOnlyList<Effect> OnInstalled(CheckpointInstalled c)
    {
        if (c.Instance <= State.Instance)
        {
            return [];
        }

        _breakpoints.Count("acceptor.checkpoint_installed");
        State = State.Apply(c);
        return [new PersistThenSend(c, []), new PersistThenSend(Mark(), [])];
    }

    private LogMark Mark() => new(State.Instance, State.PreviousChecksum, State.Promised, State.Session);

    private IReadOnlyList<Effect> OnNextInstanceSeen(NextInstanceSeen n)
    {
        // PhxPaxos's shortcut, kept only as a deliberate bug: equal ballots do not prove that
        // this node's accepted value is the chosen one (DESIGN.md, invariant 8).
        if (!_bugs.HasFlag(DeliberateBugs.BallotEqualityLearning) || n.Instance != State.Instance + 1
            || State.AcceptedValue is null || n.Ballot != State.AcceptedBallot)
        {
            return [];
        }

        var value = State.AcceptedValue;
        return [new Send(_self, new ValueChosen(State.Instance, _self, value, Checksum.Next(State.PreviousChecksum, value)))];
    }

    private IReadOnlyList<Effect> Reply(AcceptorEvent? write, PaxosMessage reply, NodeId to)
    {
        var send = new Send(to, reply);
        if (_bugs.HasFlag(DeliberateBugs.ReplyBeforePersist))
        {
            return write is null ? [send] : [send, new PersistThenSend(write, [])];
        }

        return [new PersistThenSend(write, [send])];
    }
}
