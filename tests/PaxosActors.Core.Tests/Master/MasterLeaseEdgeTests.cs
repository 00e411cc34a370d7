namespace PaxosActors.Core.Tests.Master;

/// <summary>The master lease's edges, written against the mutation run (docs/testing.md): boundaries in time and whose bid counts.</summary>
public sealed class MasterLeaseEdgeTests
{
    private const long Lease = 10_000;
    private static readonly NodeId A = new(1), B = new(2);
    private static readonly MasterOptions Options = new(Lease, MaxDrift: 0.01);

    [Fact]
    public void The_options_are_checked_and_a_clock_without_drift_is_allowed()
    {
        new MasterOptions(Lease, 0).Validate();
        Assert.Throws<ArgumentException>(() => new MasterLease(A, 1, new MasterOptions(0, 0.01), new FixedRandom(400)));
        Assert.Throws<ArgumentException>(() => new MasterLease(A, 1, new MasterOptions(Lease, 0.5), new FixedRandom(400)));
    }

    [Fact]
    public void An_unanswered_bid_is_bid_again_after_exactly_one_lease()
    {
        var a = New(A, 7);
        Assert.NotNull(a.Bid(100));
        Assert.Null(a.Bid(100 + Lease - 1));
        Assert.NotNull(a.Bid(100 + Lease));
    }

    [Fact]
    public void The_master_renews_at_its_jittered_point_and_not_before()
    {
        var a = New(A, 7);
        var bid = a.Bid(100)!;
        a.Learn(0, bid, now: 200);
        var renewAt = 100 + (Lease * 400 / 1000);
        Assert.Null(a.Bid(renewAt - 1));
        Assert.NotNull(a.Bid(renewAt));
    }

    [Fact]
    public void Only_this_start_s_own_bids_answer_its_bid()
    {
        // Its bid is out; an earlier start's bid of its own, or another node's that happens to
        // carry the same incarnation number, says nothing about it: no second bid yet.
        var a = New(A, 7);
        Assert.NotNull(a.Bid(100));
        a.Learn(0, new MasterCommand(A, 5, Lease, 6, 50), now: 150);
        a.Learn(1, new MasterCommand(B, 5, Lease, 7, 50), now: 160);
        Assert.Null(a.Bid(170));
    }

    [Fact]
    public void A_bid_started_in_the_very_millisecond_of_a_drop_does_not_count()
    {
        var a = New(A, 7);
        a.Learn(0, a.Bid(100)!, now: 150);
        Assert.True(a.IsMaster(150));
        a.Learn(1, new MasterCommand(A, 1, Lease, 7, 200), now: 250);
        Assert.NotNull(a.Drop(200));
        a.Learn(2, new MasterCommand(A, 2, Lease, 7, 200), now: 260);
        Assert.False(a.IsMaster(260));
    }

    [Fact]
    public void An_earlier_start_s_bid_that_takes_effect_ends_this_start_s_own_lease()
    {
        var a = New(A, 7);
        a.Learn(0, a.Bid(100)!, now: 150);
        Assert.True(a.IsMaster(150));

        // A bid the node's previous start proposed long ago is chosen now, against the current version.
        Assert.NotNull(a.Learn(1, new MasterCommand(A, 1, Lease, 6, 20), now: 300));
        Assert.False(a.IsMaster(300));
        Assert.Equal(A, a.View(300).Master);
    }

    private static MasterLease New(NodeId self, long incarnation)
    {
        var lease = new MasterLease(self, incarnation, Options, new FixedRandom(400));
        lease.Load(MasterState.Initial, 0);
        return lease;
    }

    private sealed class FixedRandom(int value) : IRandomSource
    {
        public int Next(int minInclusive, int maxExclusive) => value;
    }
}
