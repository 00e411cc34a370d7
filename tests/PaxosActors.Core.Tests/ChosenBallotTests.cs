namespace PaxosActors.Core.Tests;

/// <summary>
/// DESIGN.md invariant 8, rule b, at the receiving node: an Accept for i+1 that announces the
/// ballot its sender got an accept majority with for i makes a node learn the value of the
/// Accept of that ballot it saw for i; nothing else does.
/// </summary>
public sealed class ChosenBallotTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);
    private static readonly Membership Three = new([A, B, C]);
    private static readonly Ballot OfB = new(4, B), OfC = new(5, C);
    private static readonly byte[] V = [1], W = [2];
    private static readonly ulong AfterV = Checksum.Next(0, V), AfterW = Checksum.Next(0, W);

    [Fact]
    public void The_value_of_the_announced_ballot_is_learned_and_the_next_accept_goes_to_the_acceptor()
    {
        var coordinator = New();
        coordinator.Handle(new Accept(0, B, OfB, V, 0));
        var effects = coordinator.Handle(Next(B, OfB, AfterV));

        var learned = Assert.IsType<InstanceLearned>(effects.OfType<Deliver>().First(d => d.To == Role.Learner).Input);
        Assert.Equal((0L, AfterV), (learned.Instance, learned.Checksum));
        Assert.Equal(V, learned.Value);
        Assert.Equal(
            [(Role.Acceptor, "InstanceLearned"), (Role.Learner, "InstanceLearned"), (Role.Proposer, "InstanceLearned"), (Role.Acceptor, "Accept")],
            effects.OfType<Deliver>().Select(d => (d.To, d.Input.GetType().Name)));
        Assert.Equal((1L, AfterV, 0), (coordinator.Instance, coordinator.PreviousChecksum, coordinator.HeldMessages));
        Assert.DoesNotContain(effects, e => e is Send { Message: AskForLearn });
    }

    [Fact]
    public void Another_ballot_than_the_last_accept_seen_teaches_nothing_even_with_a_matching_checksum()
    {
        var coordinator = New();
        coordinator.Handle(new Accept(0, B, OfB, V, 0));

        // C's Accept for 1 names C's ballot as chosen at 0; the one seen here is B's.
        var effects = coordinator.Handle(Next(C, OfC, AfterV));
        Assert.Equal(0, coordinator.Instance);
        Assert.Equal(1, coordinator.HeldMessages);
        Assert.Contains(effects, e => e is Send { Message: AskForLearn { Instance: 0 } } s && s.To == C);
    }

    [Fact]
    public void A_node_claims_only_its_own_ballots()
    {
        var coordinator = New();
        coordinator.Handle(new Accept(0, B, OfB, V, 0));
        coordinator.Handle(Next(C, OfC, AfterV) with { ChosenBallot = OfB });
        Assert.Equal(0, coordinator.Instance);
    }

    [Fact]
    public void Without_an_accept_seen_for_the_instance_the_node_asks()
    {
        var coordinator = New();
        var effects = coordinator.Handle(Next(B, OfB, AfterV));
        Assert.Equal(0, coordinator.Instance);
        Assert.Contains(effects, e => e is Send { Message: AskForLearn { Instance: 0 } });
    }

    [Fact]
    public void The_last_accept_seen_counts_not_an_earlier_one()
    {
        var coordinator = New();
        coordinator.Handle(new Accept(0, B, OfB, V, 0));
        coordinator.Handle(new Accept(0, C, OfC, W, 0));
        coordinator.Handle(Next(C, OfC, AfterW));
        Assert.Equal((1L, AfterW), (coordinator.Instance, coordinator.PreviousChecksum));
    }

    [Fact]
    public void An_accept_two_instances_ahead_teaches_nothing()
    {
        var coordinator = New();
        coordinator.Handle(new Accept(0, B, OfB, V, 0));
        coordinator.Handle(new Accept(2, B, OfB, W, AfterV) { ChosenBallot = OfB });
        Assert.Equal(0, coordinator.Instance);
    }

    [Fact]
    public void A_checksum_that_is_not_the_chain_over_the_value_halts_the_group_as_a_chosen_value_would()
    {
        var coordinator = New();
        coordinator.Handle(new Accept(0, B, OfB, V, 0));
        var effects = coordinator.Handle(Next(B, OfB, AfterW));
        Assert.Contains(effects, e => e is Halt);
        Assert.True(coordinator.IsHalted);
        Assert.DoesNotContain(effects, e => e is Deliver { To: Role.Acceptor, Input: Accept } or Send);
        Assert.Equal(0, coordinator.HeldMessages);
    }

    [Fact]
    public void A_prepare_seen_after_the_accept_changes_nothing_about_which_value_the_ballot_carries()
    {
        var coordinator = New();
        coordinator.Handle(new Accept(0, B, OfB, V, 0));
        coordinator.Handle(new Prepare(0, C, OfC));
        coordinator.Handle(Next(B, OfB, AfterV));
        Assert.Equal((1L, AfterV), (coordinator.Instance, coordinator.PreviousChecksum));
    }

    [Fact]
    public void An_announced_ballot_that_leaves_no_room_to_count_up_is_malformed()
    {
        const long limit = long.MaxValue / 2;
        var coordinator = New();
        coordinator.Handle(new Accept(0, B, OfB, V, 0));
        var effects = coordinator.Handle(Next(B, OfB, AfterV) with { ChosenBallot = new Ballot(limit, B) });
        Assert.Equal("malformed", Assert.IsType<Dropped>(Assert.Single(effects)).Reason);
        Assert.DoesNotContain(coordinator.Handle(Next(B, OfB, AfterV) with { ChosenBallot = new Ballot(limit - 1, B) }), e => e is Dropped);
    }

    [Fact]
    public void A_learned_membership_change_holds_the_next_accept_until_it_is_applied()
    {
        var coordinator = New();
        var command = new StoredCommand(B, 1, 1, 1, StoredCommand.SystemMachine, 0, string.Empty, new RemoveNode(C).Encode());
        var change = new ProposalValue(B, [command]).Encode();
        var afterChange = Checksum.Next(0, change);
        coordinator.Handle(new Accept(0, B, OfB, change, 0));
        var effects = coordinator.Handle(Next(B, OfB, afterChange));
        Assert.Equal(1, coordinator.Instance);
        Assert.True(coordinator.AwaitsMembership);
        Assert.Equal(1, coordinator.HeldMessages);
        Assert.DoesNotContain(effects, e => e is Deliver { To: Role.Acceptor, Input: Accept });
    }

    [Fact]
    public void With_the_ballots_not_compared_the_last_accept_is_learned_whatever_ballot_is_announced()
    {
        var coordinator = new InstanceCoordinator(A, Three, new ProtocolOptions { Bugs = DeliberateBugs.ChosenBallotNotCompared }, 0, 0);
        coordinator.Handle(new Accept(0, B, OfB, V, 0));
        coordinator.Handle(Next(C, OfC, AfterV));
        Assert.Equal(1, coordinator.Instance);
    }

    private static InstanceCoordinator New() => new(A, Three, new ProtocolOptions(), 0, 0);

    private static Accept Next(NodeId from, Ballot chosen, ulong previousChecksum) =>
        new(1, from, chosen, [9], previousChecksum) { ChosenBallot = chosen };
}
