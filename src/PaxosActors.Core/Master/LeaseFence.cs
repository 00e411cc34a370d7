namespace PaxosActors.Core;

/// <summary>
/// The master lease as a node's coordinator enforces it, fed from the log in step with the
/// instances the node takes part in: the same rules as <see cref="MasterLease"/> (which it
/// holds), read two ways.
/// <list type="bullet">
/// <item><see cref="Refuses"/>: while this node takes another node for the master, its acceptor
/// votes for no other proposer. Every acceptor that votes in an instance after a bid has learned
/// the bid, and counts the whole lease from then: later in true time than the bidder's start,
/// and longer, within the drift bound, than the bidder's own part of the lease.</item>
/// <item><see cref="Held"/>: while this node holds its own part of the lease, no other node's
/// value can be chosen, so a read needs no round (<see cref="InstanceCoordinator.LeaseReadIndex"/>).</item>
/// </list>
/// The bids come from the learner, after its duplicate filter (<see cref="Learned"/>); the
/// coordinator takes no part in the instance after a bid until the learner has applied it. Time
/// is the node's monotonic clock, in milliseconds, read through the clock it is given.
/// </summary>
internal sealed class LeaseFence
{
    private readonly MasterLease _lease;
    private readonly Func<long> _clock;
    private readonly bool _off;

    /// <param name="incarnation">The incarnation this node's bids carry: only those make it the master here.</param>
    /// <param name="state">The master the log names at the instance the coordinator starts at (a replay's, or a checkpoint's).</param>
    public LeaseFence(NodeId self, long incarnation, MasterOptions options, MasterState state, Func<long> clock)
    {
        _lease = new MasterLease(self, incarnation, options, new SeededRandom(0));
        _clock = clock;
        _off = options.Bugs.HasFlag(DeliberateBugs.LeaseFenceOff);
        _lease.Load(state, clock());
    }

    private long Now => _clock();

    /// <summary>The master as this node sees it now, and the lease left.</summary>
    public MasterView View => _lease.View(Now);

    /// <summary>Whether this node holds its own part of the lease now.</summary>
    public bool Held => _lease.IsMaster(Now);

    /// <summary>The learner applied the bid chosen at <paramref name="instance"/>.</summary>
    public void Learned(long instance, MasterCommand bid) => _lease.Learn(instance, bid, Now);

    /// <summary>The node loaded a checkpoint: its master may hold the lease for a whole lease from now.</summary>
    public void Loaded(MasterState state) => _lease.Load(state, Now);

    /// <summary>This node gives the lease up: it stops believing at once.</summary>
    public void Drop() => _lease.Drop(Now);

    /// <summary>Whether this node's acceptor must not vote for <paramref name="proposer"/> now: another node holds the lease.</summary>
    public bool Refuses(NodeId proposer)
    {
        var master = _lease.View(Now).Master;
        return !_off && master != NodeId.None && master != proposer;
    }
}
