namespace PaxosActors.Core.Tests.Master;

/// <summary>
/// The coordinator's side of the master lease, step by step on a hand-driven clock: the fence
/// that keeps the acceptor from voting for anyone but the master, the wait for the learner after
/// a bid, the index a lease read runs at, and a checkpoint's master.
/// </summary>
public sealed class LeaseFenceTests
{
    private const long Lease = 1_000;
    private const long Incarnation = 77;
    private static readonly NodeId A = new(1), B = new(2), C = new(3);
    private static readonly Membership Three = new([A, B, C]);
    private static readonly MasterOptions Options = new(Lease, 0.01);

    private long _now = 10_000;

    [Fact]
    public void While_another_node_holds_the_lease_the_acceptor_votes_for_it_alone()
    {
        var coordinator = Coordinator(A);
        Learn(coordinator, 0, Bid(B, 0, startMs: _now));

        Assert.Equal("master_lease", Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new Prepare(1, C, new Ballot(5, C))))).Reason);
        Assert.Equal("master_lease", Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new Accept(1, A, new Ballot(5, A), [1], coordinator.PreviousChecksum)))).Reason);
        Assert.Equal(Role.Acceptor, Assert.IsType<Deliver>(Assert.Single(coordinator.Handle(new Prepare(1, B, new Ballot(5, B))))).To);

        // The whole lease, counted from when this node learned the bid.
        _now += Lease - 1;
        Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new Prepare(1, C, new Ballot(6, C)))));
        _now += 1;
        Assert.Equal(Role.Acceptor, Assert.IsType<Deliver>(Assert.Single(coordinator.Handle(new Prepare(1, C, new Ballot(6, C))))).To);
    }

    [Fact]
    public void A_released_lease_fences_no_one()
    {
        var coordinator = Coordinator(A);
        Learn(coordinator, 0, Bid(B, 0, startMs: _now));
        Learn(coordinator, 1, new MasterCommand(NodeId.None, 1, 0, 5, _now));
        Assert.Equal(Role.Acceptor, Assert.IsType<Deliver>(Assert.Single(coordinator.Handle(new Prepare(2, C, new Ballot(5, C))))).To);
    }

    [Fact]
    public void After_a_bid_nothing_of_the_next_instance_is_handled_until_the_learner_applied_it()
    {
        var coordinator = Coordinator(A);
        var value = Value(Bid(B, 0, startMs: _now));
        coordinator.Handle(new ValueChosen(0, B, value, Checksum.Next(0, value)));
        Assert.True(coordinator.AwaitsMembership);
        Assert.Empty(coordinator.Handle(new Prepare(1, C, new Ballot(5, C))).OfType<Deliver>());

        // The learner applies the bid (the fence now names B), then says the next instance may go on.
        coordinator.MasterLearned(0, Bid(B, 0, startMs: _now));
        var released = coordinator.SystemApplied(1, SystemState.Initial([A, B, C]));
        Assert.Contains(released, e => e is Dropped { Reason: "master_lease" });
        var proposerNews = Assert.Single(released.OfType<Deliver>(), d => d.To == Role.Proposer);
        Assert.Null(Assert.IsType<InstanceLearned>(proposerNews.Input).Members);
    }

    [Fact]
    public void Without_a_master_a_bid_holds_nothing_up()
    {
        var coordinator = new InstanceCoordinator(A, Three, new ProtocolOptions(), 0, 0);
        var value = Value(Bid(B, 0, startMs: _now));
        coordinator.Handle(new ValueChosen(0, B, value, Checksum.Next(0, value)));
        Assert.False(coordinator.AwaitsMembership);
        Assert.Null(coordinator.LeaseReadIndex());
        Assert.Empty(coordinator.MasterLearned(0, Bid(B, 0, startMs: _now)));
    }

    [Fact]
    public void The_master_reads_at_its_instance_or_past_its_own_accept_and_not_after_its_lease()
    {
        var coordinator = Coordinator(A);
        Learn(coordinator, 0, Bid(A, 0, startMs: _now - 5));
        Assert.True(coordinator.HoldsLease);
        Assert.Equal(1, coordinator.LeaseReadIndex());

        // Its own accept for instance 1 is out: a majority may have chosen it already.
        coordinator.Handle(new Accept(1, A, new Ballot(3, A), [9], coordinator.PreviousChecksum));
        Assert.Equal(2, coordinator.LeaseReadIndex());

        // Its own part of the lease: shortened by the drift, counted from before it proposed.
        _now += Options.OwnLease(Lease) - 5;
        Assert.Null(coordinator.LeaseReadIndex());
    }

    [Fact]
    public void A_bid_of_an_earlier_start_or_a_dropped_lease_serves_no_lease_read()
    {
        var restarted = Coordinator(A);
        Learn(restarted, 0, Bid(A, 0, startMs: _now) with { Incarnation = Incarnation + 1 });
        Assert.Null(restarted.LeaseReadIndex());
        Assert.IsType<Dropped>(Assert.Single(restarted.Handle(new Prepare(1, B, new Ballot(5, B)))));

        var dropping = Coordinator(A);
        Learn(dropping, 0, Bid(A, 0, startMs: _now));
        dropping.DropLease();
        Assert.Null(dropping.LeaseReadIndex());

        // A bid made after the drop counts again.
        _now += 1;
        Learn(dropping, 1, Bid(A, 1, startMs: _now));
        Assert.NotNull(dropping.LeaseReadIndex());
    }

    [Fact]
    public void A_start_or_a_checkpoint_that_names_a_master_fences_for_a_whole_lease_from_then()
    {
        var started = new InstanceCoordinator(A, Three, new ProtocolOptions(), 5, 0, new LeaseFence(A, Incarnation, Options, new MasterState(A, 3, Lease), () => _now));
        Assert.Null(started.LeaseReadIndex());
        Assert.IsType<Dropped>(Assert.Single(started.Handle(new Prepare(5, B, new Ballot(5, B)))));

        var coordinator = Coordinator(A);
        coordinator.Skip(new InstancesSkipped(10, 0) { Master = new MasterState(C, 8, Lease) });
        Assert.Equal("master_lease", Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new Prepare(10, B, new Ballot(5, B))))).Reason);
        _now += Lease;
        Assert.Equal(Role.Acceptor, Assert.IsType<Deliver>(Assert.Single(coordinator.Handle(new Prepare(10, B, new Ballot(5, B))))).To);
    }

    [Fact]
    public void A_checkpoint_that_covers_an_awaited_bid_gives_the_fence_its_master()
    {
        // The learner installs a checkpoint instead of applying the bid: no MasterLearned comes.
        var coordinator = Coordinator(A);
        var value = Value(Bid(C, 0, startMs: _now));
        coordinator.Handle(new ValueChosen(0, C, value, Checksum.Next(0, value)));
        Assert.True(coordinator.AwaitsMembership);
        coordinator.Skip(new InstancesSkipped(1, Checksum.Next(0, value)) { Master = new MasterState(C, 1, Lease) });
        Assert.False(coordinator.AwaitsMembership);
        Assert.Equal("master_lease", Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new Prepare(1, B, new Ballot(5, B))))).Reason);
    }

    [Fact]
    public void The_proposer_hears_who_the_master_is()
    {
        var coordinator = Coordinator(A);
        var seen = Assert.IsType<MasterSeen>(Assert.IsType<Deliver>(Assert.Single(coordinator.MasterLearned(0, Bid(B, 0, startMs: _now)))).Input);
        Assert.Equal((B, Lease), (seen.Master, seen.RemainingMs));
    }

    [Fact]
    public void Only_values_with_a_bid_carry_one()
    {
        Assert.True(ProposalValue.CarriesMaster(Value(Bid(B, 0, 1))));
        var plain = new ProposalValue(A, [new StoredCommand(A, 1, 1, 1, 1, 0, "m", [1, 2])]).Encode();
        Assert.False(ProposalValue.CarriesMaster(plain));
        var mixed = new ProposalValue(A, [new StoredCommand(A, 1, 1, 1, 1, 0, "m", [1, 2]), new StoredCommand(A, 1, 2, 1, StoredCommand.MasterMachine, 0, string.Empty, Bid(A, 0, 1).Encode())]).Encode();
        Assert.True(ProposalValue.CarriesMaster(mixed));

        // Unreadable bytes say no, or yes where a bid's id was read: either way the coordinator and
        // the learner ask the same question of the same bytes and agree.
        Assert.False(ProposalValue.CarriesMaster(mixed[..20]));
        Assert.False(ProposalValue.CarriesMaster([]));
        Assert.False(ProposalValue.CarriesMaster([3, 1, 0, 0, 0, 255, 255, 255, 127]));
    }

    private InstanceCoordinator Coordinator(NodeId self) =>
        new(self, Three, new ProtocolOptions(), 0, 0, new LeaseFence(self, Incarnation, Options, MasterState.Initial, () => _now));

    private static MasterCommand Bid(NodeId node, long expected, long startMs) => new(node, expected, Lease, Incarnation, startMs);

    private static byte[] Value(MasterCommand bid) =>
        new ProposalValue(bid.Node == NodeId.None ? A : bid.Node, [new StoredCommand(bid.Node == NodeId.None ? A : bid.Node, 1, 1, 1, StoredCommand.MasterMachine, 0, string.Empty, bid.Encode())]).Encode();

    /// <summary>The instance is chosen and the learner applied its bid, as GroupActor reports both.</summary>
    private static void Learn(InstanceCoordinator coordinator, long instance, MasterCommand bid)
    {
        var value = Value(bid);
        coordinator.Handle(new ValueChosen(instance, bid.Node == NodeId.None ? A : bid.Node, value, Checksum.Next(coordinator.PreviousChecksum, value)));
        coordinator.MasterLearned(instance, bid);
        coordinator.SystemApplied(instance + 1, SystemState.Initial([A, B, C]));
    }
}
