namespace PaxosActors.Core.Tests.Members;

/// <summary>
/// How a node moves to new members: the coordinator holds the next instance until the learner
/// applied the change, and the proposer prepares afresh with the new members.
/// </summary>
public sealed class MembershipChangeTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3), D = new(4);
    private static readonly Membership Three = new([A, B, C]);

    private static byte[] ChangeValue(MemberChange change) =>
        new ProposalValue(A, [new StoredCommand(A, 1, 1, 1, StoredCommand.SystemMachine, 0, string.Empty, change.Encode())]).Encode();

    private static SystemState Four() =>
        SystemState.Initial([A, B, C]).Apply(new JoinAsLearner(D, "d")).State.Apply(new Promote(D)).State;

    [Fact]
    public void The_next_instance_waits_until_the_learner_applied_the_change()
    {
        var coordinator = new InstanceCoordinator(A, Three, new ProtocolOptions(), 0, 0);
        var value = ChangeValue(new Promote(D));
        var learned = coordinator.Handle(new ValueChosen(0, B, value, Checksum.Next(0, value)));

        // Acceptor and learner hear of it; the proposer does not yet: it would go on with the old members.
        Assert.Equal([Role.Acceptor, Role.Learner], learned.OfType<Deliver>().Select(d => d.To));
        Assert.True(coordinator.AwaitsMembership);

        // Meanwhile the next instance's messages wait, even from the new member.
        Assert.Empty(coordinator.Handle(new Prepare(1, B, new Ballot(5, B))).OfType<Deliver>());
        Assert.Equal(1, coordinator.HeldMessages);
        Assert.Empty(coordinator.SystemApplied(5, Four()));

        var applied = coordinator.SystemApplied(1, Four());
        Assert.False(coordinator.AwaitsMembership);
        Assert.Equal([A, B, C, D], coordinator.Members.Members);
        var toProposer = Assert.IsType<InstanceLearned>(applied.OfType<Deliver>().First(d => d.To == Role.Proposer).Input);
        Assert.Equal(0, toProposer.Instance);
        Assert.Equal([A, B, C, D], toProposer.Members!.Members);
        Assert.Contains(applied, e => e is Deliver { To: Role.Acceptor, Input: Prepare });

        // Messages from D count now; before the change they were dropped.
        Assert.IsType<Deliver>(Assert.Single(coordinator.Handle(new Prepare(1, D, new Ballot(6, D)))));
    }

    [Fact]
    public void A_checkpoint_past_the_change_ends_the_wait_with_its_membership()
    {
        var coordinator = new InstanceCoordinator(A, Three, new ProtocolOptions(), 0, 0);
        var value = ChangeValue(new Promote(D));
        coordinator.Handle(new ValueChosen(0, B, value, Checksum.Next(0, value)));
        var skipped = coordinator.Skip(new InstancesSkipped(10, 9, System: Four()));
        Assert.False(coordinator.AwaitsMembership);
        Assert.Equal(10, coordinator.Instance);
        var proposer = skipped.OfType<Deliver>().Where(d => d.To == Role.Proposer).Select(d => d.Input).ToList();
        Assert.IsType<InstanceLearned>(proposer[0]);
        Assert.Equal(4, Assert.IsType<InstancesSkipped>(proposer[1]).Members!.Members.Count);
    }

    [Fact]
    public void A_learner_may_ask_to_learn_but_not_vote()
    {
        var coordinator = new InstanceCoordinator(A, new Membership([A, B, C], learners: [D]), new ProtocolOptions(), 3, 0);
        Assert.Equal(Role.Learner, Assert.IsType<Deliver>(Assert.Single(coordinator.Handle(new AskForLearn(1, D)))).To);
        Assert.Equal("not_member", Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new Prepare(3, D, new Ballot(1, D))))).Reason);
        Assert.Equal("not_member", Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new AskForLearn(1, new NodeId(9))))).Reason);
    }

    [Fact]
    public void A_removed_node_may_still_ask_to_learn_but_never_vote()
    {
        var coordinator = new InstanceCoordinator(A, new Membership([A, B, C], departed: [D]), new ProtocolOptions(), 3, 0);
        Assert.Equal(Role.Learner, Assert.IsType<Deliver>(Assert.Single(coordinator.Handle(new AskForLearn(1, D)))).To);
        Assert.Equal("not_member", Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new Accept(3, D, new Ballot(1, D), [1], 0)))).Reason);
    }

    [Fact]
    public void A_proposer_that_chose_the_change_prepares_again_with_the_new_members()
    {
        var options = new ProtocolOptions { BackoffMin = TimeSpan.FromMilliseconds(1), BackoffMax = TimeSpan.FromMilliseconds(2) };
        var p = new Proposer(A, Three, options, new SeededRandom(1), 0, 0, 0);
        var value = ChangeValue(new Promote(D));
        p.Propose([7]);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, new Ballot(1, B), value));
        p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null));
        p.Handle(new AcceptReply(0, A, b, true, b));
        p.Handle(new AcceptReply(0, B, b, true, b));

        // It decided instance 0 itself (with the adopted change): with the same members it would
        // accept at once in instance 1; with new ones it must prepare, and ask all four.
        var members = new Membership([A, B, C, D]);
        var next = p.Handle(new InstanceLearned(0, value, Checksum.Next(0, value)) { Members = members });
        Assert.Same(members, p.Members);
        Assert.DoesNotContain(next.OfType<Send>(), s => s.Message is Accept);
        var timer = next.OfType<StartTimer>().Single();
        var round = p.OnTimer(timer.Generation);
        Assert.Equal([A, B, C, D], round.OfType<Send>().Where(s => s.Message is Prepare).Select(s => s.To));
    }
}
