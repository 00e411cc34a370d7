namespace PaxosActors.Core.Tests.Master;

/// <summary>The master lease rules, one at a time, with time as an input.</summary>
public sealed class MasterLeaseTests
{
    private static readonly NodeId A = new(1), B = new(2);
    private static readonly MasterOptions Options = new(LeaseMs: 10_000, MaxDrift: 0.01);

    private static MasterLease Lease(NodeId self, long incarnation = 7) => new(self, incarnation, Options, new SeededRandom(1));

    [Fact]
    public void The_bidder_counts_its_lease_from_before_it_proposed_and_shorter_by_the_drift_others_from_when_they_learn()
    {
        var a = Lease(A);
        var b = Lease(B, incarnation: 8);
        a.Load(MasterState.Initial, 0);
        b.Load(MasterState.Initial, 0);
        var bid = a.Bid(now: 100)!;
        Assert.Equal(new MasterCommand(A, 0, 10_000, 7, 100), bid);
        Assert.Null(a.Bid(now: 150));

        Assert.Equal(new MasterState(A, 6, 10_000), a.Learn(5, bid, now: 300));
        b.Learn(5, bid, now: 400);
        Assert.True(a.IsMaster(300));
        Assert.Equal(new MasterView(A, 6, 100 + Options.OwnLease(10_000) - 300), a.View(300));
        Assert.Equal(9_801, Options.OwnLease(10_000));
        Assert.False(a.IsMaster(100 + 9_801));
        Assert.False(b.IsMaster(400));
        Assert.Equal(new MasterView(A, 6, 10_000), b.View(400));
        Assert.Equal(new MasterView(NodeId.None, 6, 0), b.View(10_400));
    }

    [Fact]
    public void Another_node_bids_only_once_the_lease_ran_out_here_and_a_stale_bid_changes_nothing()
    {
        var a = Lease(A);
        var b = Lease(B, incarnation: 8);
        b.Load(MasterState.Initial, 0);
        b.Learn(0, a.Bid(0)!, now: 50);
        Assert.Null(b.Bid(10_049));
        var takeover = b.Bid(10_050)!;
        Assert.Equal(1, takeover.ExpectedVersion);

        Assert.Null(b.Learn(3, new MasterCommand(A, 0, 10_000, 7, 0), now: 10_060));
        Assert.Equal(new MasterState(B, 5, 10_000), b.Learn(4, takeover, now: 10_070));
        Assert.True(b.IsMaster(10_070));
    }

    [Fact]
    public void After_a_restart_the_old_master_holds_nothing_but_the_lease_never_reads_as_zero()
    {
        var before = Lease(A, incarnation: 1);
        before.Load(MasterState.Initial, 0);
        var bid = before.Bid(0)!;

        var after = Lease(A, incarnation: 2);
        after.Load(MasterState.Initial, 50_000);
        after.Learn(0, bid, now: 50_000);
        Assert.False(after.IsMaster(50_000));
        Assert.Equal(new MasterView(A, 1, 10_000), after.View(50_000));

        // It renews at once, and holds the lease from its new bid.
        var renewal = after.Bid(50_001)!;
        Assert.Equal(1, renewal.ExpectedVersion);
        after.Learn(1, renewal, now: 50_010);
        Assert.True(after.IsMaster(50_010));

        var loaded = Lease(B, incarnation: 3);
        loaded.Load(new MasterState(A, 2, 10_000), now: 70_000);
        Assert.Equal(new MasterView(A, 2, 10_000), loaded.View(70_000));
        Assert.Null(loaded.Bid(79_999));
        Assert.NotNull(loaded.Bid(80_000));
    }

    [Fact]
    public void A_dropped_lease_ends_at_once_others_may_bid_when_the_release_is_learned_and_the_dropper_abstains()
    {
        var a = Lease(A);
        var b = Lease(B, incarnation: 8);
        a.Load(MasterState.Initial, 0);
        b.Load(MasterState.Initial, 0);
        var bid = a.Bid(0)!;
        a.Learn(0, bid, 10);
        b.Learn(0, bid, 10);
        Assert.Null(b.Drop(20));

        var release = a.Drop(now: 1_000)!;
        Assert.False(a.IsMaster(1_000));
        Assert.Equal((NodeId.None, 1L), (release.Node, release.ExpectedVersion));
        a.Learn(1, release, 1_010);
        b.Learn(1, release, 1_010);
        Assert.Equal(new MasterView(NodeId.None, 2, 0), b.View(1_010));
        Assert.NotNull(b.Bid(1_011));
        Assert.Null(a.Bid(10_999));
        Assert.NotNull(a.Bid(11_000));
    }

    [Fact]
    public void A_renewal_that_lands_after_a_drop_does_not_make_the_dropper_master_again()
    {
        var a = Lease(A);
        a.Load(MasterState.Initial, 0);
        var first = a.Bid(0)!;
        a.Learn(0, first, 10);
        var renewal = a.Bid(5_000)!;
        a.Drop(5_001);
        a.Learn(1, renewal, 5_010);
        Assert.Equal(A, a.State.Master);
        Assert.False(a.IsMaster(5_010));
    }

    [Fact]
    public void Commands_and_states_round_trip_and_garbage_is_a_format_error()
    {
        var bid = new MasterCommand(A, 4, 10_000, -9, 123);
        Assert.Equal(bid, MasterCommand.Decode(bid.Encode()));
        var state = new MasterState(B, 12, 5_000);
        Assert.Equal(state, MasterState.Decode(state.Encode()));
        Assert.Throws<PaxosFormatException>(() => MasterCommand.Decode(new MasterCommand(A, 4, 0, 1, 1).Encode()));
        Assert.Throws<PaxosFormatException>(() => MasterCommand.Decode(bid.Encode()[..^1]));
        Assert.Throws<PaxosFormatException>(() => MasterState.Decode([2]));
        Assert.Throws<ArgumentException>(() => new MasterOptions(0, 0.01).Validate());
        Assert.Throws<ArgumentException>(() => new MasterOptions(1_000, 0.5).Validate());

        var members = SystemState.Initial([A, B]);
        var (m, master) = SystemSnapshot.Decode(SystemSnapshot.Encode(members, state));
        Assert.Equal((members.ToString(), state), (m.ToString(), master));
        Assert.Throws<PaxosFormatException>(() => SystemSnapshot.Decode(SystemSnapshot.Encode(members, state)[..^2]));
    }
}
