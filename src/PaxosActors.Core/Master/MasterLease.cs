namespace PaxosActors.Core;

/// <summary>The master lease's settings: its length, and the largest drift of any node's clock rate.</summary>
/// <param name="LeaseMs">How long a bid holds the lease, counted by the nodes that learn it.</param>
/// <param name="MaxDrift">
/// The most any clock's rate may differ from true time, as a fraction (0.01: 1%). The master
/// counts its own lease shorter by it, so that it has stopped believing before any node, on any
/// clock within the bound, may bid against it.
/// </param>
public sealed record MasterOptions(long LeaseMs, double MaxDrift)
{
    internal DeliberateBugs Bugs { get; init; }

    /// <summary>The master's own part of a lease of <paramref name="leaseMs"/>: (1 − drift) / (1 + drift) of it.</summary>
    public long OwnLease(long leaseMs) =>
        Bugs.HasFlag(DeliberateBugs.MasterIgnoresDrift) ? leaseMs : (long)Math.Floor(leaseMs * (1 - MaxDrift) / (1 + MaxDrift));

    public void Validate()
    {
        if (LeaseMs <= 0 || MaxDrift is < 0 or >= 0.5 || double.IsNaN(MaxDrift))
        {
            throw new ArgumentException($"A master lease needs a positive length and a clock drift in [0, 0.5); got {LeaseMs} ms and {MaxDrift}.");
        }
    }
}

/// <summary>Who this node takes for the master, and for how long more (0 when there is none).</summary>
internal readonly record struct MasterView(NodeId Master, long Version, long RemainingMs);

/// <summary>
/// One node's view of its group's master lease, and its elector: the rules of PhxPaxos's master
/// state machine, with time as an input (milliseconds of the node's monotonic clock).
/// <list type="bullet">
/// <item>A bid names the version it expects: the log applies it only if nothing changed the
/// master since, so two bidders never both win.</item>
/// <item>The bidder counts its own lease from <see cref="MasterCommand.StartMs"/>, taken before it
/// proposed, shortened by the clock drift; every other node counts the whole lease from the
/// moment it learns the bid, and bids against it only after that. Learning happens after the
/// proposal, so the holder stops believing before anyone else may take over.</item>
/// <item>A node that learns its own bid from an earlier incarnation (a restart, a replay, a
/// checkpoint) does not hold the lease: it counts like every other node, so the lease never
/// reads as zero, or as held, when it is not.</item>
/// </list>
/// </summary>
internal sealed class MasterLease
{
    private readonly NodeId _self;
    private readonly long _incarnation;
    private readonly MasterOptions _options;
    private readonly IRandomSource _random;

    // Until when (this node's clock) the master of State may hold the lease, as far as anyone knows.
    private long _othersUntil;

    // Until when this node holds the lease; long.MinValue when it does not.
    private long _ownUntil = long.MinValue;
    private long _renewAt;
    private long _abstainUntil = long.MinValue;
    private long _bidUntil = long.MinValue;

    // When this node last gave the lease up: its own bids from before then no longer count.
    private long _droppedAt = long.MinValue;

    public MasterLease(NodeId self, long incarnation, MasterOptions options, IRandomSource random)
    {
        options.Validate();
        _self = self;
        _incarnation = incarnation;
        _options = options;
        _random = random;
    }

    public MasterState State { get; private set; } = MasterState.Initial;

    /// <summary>
    /// Starts from <paramref name="state"/> (a checkpoint's, or the initial one) at
    /// <paramref name="now"/>: whoever it names may hold the lease for a whole lease from now.
    /// </summary>
    public void Load(MasterState state, long now)
    {
        State = state;
        _othersUntil = state.Master == NodeId.None ? now : now + state.LeaseMs;
        _ownUntil = long.MinValue;
    }

    /// <summary>The bid chosen at <paramref name="instance"/>, learned at <paramref name="now"/>; the new state if it changed anything.</summary>
    public MasterState? Learn(long instance, MasterCommand bid, long now)
    {
        var mine = bid.Node == _self && bid.Incarnation == _incarnation;
        if (bid.Incarnation == _incarnation && (bid.Node == _self || bid.Node == NodeId.None))
        {
            _bidUntil = long.MinValue;
        }

        var next = State.Apply(instance, bid);
        if (next is null)
        {
            return null;
        }

        State = next;
        _othersUntil = next.Master == NodeId.None ? now : now + next.LeaseMs;
        if (mine && bid.StartMs > _droppedAt)
        {
            var start = _options.Bugs.HasFlag(DeliberateBugs.MasterLeaseFromLearn) ? now : bid.StartMs;
            _ownUntil = start + _options.OwnLease(next.LeaseMs);
            _renewAt = start + next.LeaseMs * _random.Next(300, 501) / 1000;
        }
        else
        {
            _ownUntil = long.MinValue;
        }

        return next;
    }

    /// <summary>Whether this node holds the lease at <paramref name="now"/>: it may act as the master.</summary>
    public bool IsMaster(long now) => State.Master == _self && now < _ownUntil;

    /// <summary>The master as this node sees it at <paramref name="now"/>, and the lease left.</summary>
    public MasterView View(long now) =>
        IsMaster(now) ? new MasterView(_self, State.Version, _ownUntil - now)
        : State.Master != NodeId.None && now < _othersUntil ? new MasterView(State.Master, State.Version, _othersUntil - now)
        : new MasterView(NodeId.None, State.Version, 0);

    /// <summary>
    /// The bid this node should propose at <paramref name="now"/>, if any: a renewal at a
    /// jittered fraction of its lease, or a takeover once the current lease has run out here.
    /// One bid at a time: the next waits for <see cref="Answered"/> or for a lease to pass.
    /// </summary>
    public MasterCommand? Bid(long now)
    {
        if (now < _bidUntil || now < _abstainUntil)
        {
            return null;
        }

        if (State.Master == _self ? IsMaster(now) && now < _renewAt : State.Master != NodeId.None && now < _othersUntil)
        {
            return null;
        }

        _bidUntil = now + _options.LeaseMs;
        return new MasterCommand(_self, State.Version, _options.LeaseMs, _incarnation, now);
    }

    /// <summary>A bid's proposal failed (it may still be chosen: a later learn settles that).</summary>
    public void Answered() => _bidUntil = long.MinValue;

    /// <summary>
    /// Gives the lease up at <paramref name="now"/>: this node stops believing at once, bids for
    /// none for a lease, and returns the release to propose (null when it is not the master).
    /// </summary>
    public MasterCommand? Drop(long now)
    {
        if (State.Master != _self)
        {
            return null;
        }

        _ownUntil = long.MinValue;
        _droppedAt = now;
        _abstainUntil = now + _options.LeaseMs;
        return new MasterCommand(NodeId.None, State.Version, 0, _incarnation, now);
    }
}
