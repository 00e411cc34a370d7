namespace PaxosActors.Core.Tests.Log;

/// <summary>Marks, a truncated journal's start, and an installed checkpoint, through each role.</summary>
public sealed class TruncatedLogTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);
    private static readonly Membership Three = new([A, B, C]);
    private static readonly Ballot High = new(7, B);

    [Fact]
    public void A_mark_read_first_stands_for_the_journal_cut_before_it()
    {
        var state = AcceptorState.Initial.Apply(new LogMark(40, 0xabc, High, 3));
        Assert.Equal(new AcceptorState(40, High, Ballot.Zero, null, 0xabc) { Session = 3 }, state);
    }

    [Fact]
    public void A_mark_read_later_adds_only_its_promise_and_session()
    {
        var state = new AcceptorState(12, new Ballot(2, A), new Ballot(2, A), [1], 5);
        var after = state.Apply(new LogMark(40, 0xabc, High, 3));
        Assert.Equal(state with { Promised = High, Session = 3 }, after);
        Assert.Equal(after, after.Apply(new LogMark(12, 5, Ballot.Zero, 0)));
    }

    [Fact]
    public void An_installed_checkpoint_moves_the_state_forward_only()
    {
        var state = new AcceptorState(12, High, new Ballot(2, A), [1], 5);
        var moved = state.Apply(new CheckpointInstalled(30, 9));
        Assert.Equal(new AcceptorState(30, High, Ballot.Zero, null, 9), moved);
        Assert.Equal(moved, moved.Apply(new CheckpointInstalled(20, 1)));

        // At the acceptor's own instance the checkpoint covers nothing it voted on: the vote stays.
        var voted = new AcceptorState(30, High, new Ballot(2, A), [1], 9);
        Assert.Same(voted, voted.Apply(new CheckpointInstalled(30, 9)));
    }

    [Fact]
    public void A_truncated_journal_recovers_its_log_from_its_first_mark()
    {
        var v = new byte[] { 1 };
        var c40 = Checksum.Next(0xabc, v);
        AcceptorEvent[] journal = [new LogMark(40, 0xabc, High, 3), new Accepted(40, High, v), new ChosenAccepted(40, High, c40), new LogMark(41, c40, High, 3)];
        var (first, previous, log) = ChosenLog.Recover(journal);
        Assert.Equal((40L, 0xabcUL), (first, previous));
        Assert.Equal(40, Assert.Single(log).Instance);
        Assert.Equal(41, Acceptor.Recover(journal).Instance);
    }

    [Fact]
    public void A_mark_after_a_gap_is_no_start_and_an_install_voids_the_log_before_it()
    {
        var v = new byte[] { 1 };
        AcceptorEvent[] gap = [new InstanceChosen(0, v, Checksum.Next(0, v)), new LogMark(5, 9, High, 1)];
        Assert.Equal((0L, 1), (ChosenLog.Recover(gap).First, ChosenLog.Recover(gap).Log.Count));
        Assert.Equal(1, Acceptor.Recover(gap).Instance);

        AcceptorEvent[] installed = [.. gap, new CheckpointInstalled(50, 77), new InstanceChosen(50, v, Checksum.Next(77, v))];
        var (first, previous, log) = ChosenLog.Recover(installed);
        Assert.Equal((50L, 77UL), (first, previous));
        Assert.Equal(50, Assert.Single(log).Instance);
        Assert.Equal(51, Acceptor.Recover(installed).Instance);
    }

    [Fact]
    public void The_acceptor_writes_a_mark_behind_every_nth_chosen_record()
    {
        var acceptor = new Acceptor(A, AcceptorState.Initial with { Session = 4 }, markEvery: 2);
        var v = new byte[] { 1 };
        var first = acceptor.Handle(new InstanceLearned(0, v, 10));
        Assert.IsType<InstanceChosen>(((PersistThenSend)Assert.Single(first)).Event);
        var second = acceptor.Handle(new InstanceLearned(1, v, 11));
        Assert.Equal(2, second.Count);
        Assert.Equal(new LogMark(2, 11, Ballot.Zero, 4), ((PersistThenSend)second[1]).Event);
        Assert.All(second, w => Assert.True(((PersistThenSend)w).MayWait));
    }

    [Fact]
    public void Installing_a_checkpoint_writes_the_jump_and_a_mark_and_only_forward()
    {
        var acceptor = new Acceptor(A, new AcceptorState(3, High, Ballot.Zero, null, 1));
        var effects = acceptor.Handle(new CheckpointInstalled(20, 9));
        Assert.Equal([new CheckpointInstalled(20, 9), new LogMark(20, 9, High, 0)], effects.Cast<PersistThenSend>().Select(p => p.Event));
        Assert.All(effects, w => Assert.False(((PersistThenSend)w).MayWait));
        Assert.Empty(acceptor.Handle(new CheckpointInstalled(20, 9)));
        Assert.Equal(20, acceptor.State.Instance);
    }

    [Fact]
    public void A_learner_offers_a_checkpoint_for_what_its_journal_no_longer_holds()
    {
        var v = new byte[] { 1 };
        var learner = new Learner(A, new ProtocolOptions(), [new InstanceChosen(40, v, 41), new InstanceChosen(41, v, 42)], start: 40, previousChecksum: 39);
        Assert.Equal((40L, 42L, 39UL), (learner.LogStart, learner.NextInstance, learner.ChecksumAt(39)));
        Assert.Equal([new OfferCheckpoint(B)], learner.Handle(new AskForLearn(39, B)));
        Assert.IsType<ValueChosen>(((Send)learner.Handle(new AskForLearn(40, B))[0]).Message);

        learner.Truncated(41);
        Assert.Equal([new OfferCheckpoint(B)], learner.Handle(new AskForLearn(40, B)));
        learner.Truncated(500);
        Assert.Equal(41, learner.LogStart);
    }

    [Fact]
    public void An_installed_checkpoint_restarts_the_learners_log_and_what_it_covers_is_not_learned_again()
    {
        var learner = new Learner(A, new ProtocolOptions(), []);
        learner.Installed(30, 99);
        Assert.Equal((30L, 30L, 99UL), (learner.LogStart, learner.NextInstance, learner.LastChecksum));
        Assert.Empty(learner.Handle(new InstanceLearned(0, [1], 1)));
        Assert.Single(learner.Handle(new InstanceLearned(30, [1], 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => learner.Installed(31, 1));
    }

    [Fact]
    public void The_coordinator_sends_transfers_to_the_learner_and_a_skip_moves_every_role()
    {
        var followers = new Dictionary<NodeId, NodeId> { [new NodeId(9)] = A };
        var coordinator = new InstanceCoordinator(A, new Membership([A, B, C], followers), new ProtocolOptions(), 3, 0);
        var offer = new CheckpointOffer(20, B, 100, 5);
        Assert.Equal([new Deliver(Role.Learner, offer)], coordinator.Handle(offer));
        Assert.IsType<Deliver>(Assert.Single(coordinator.Handle(new ChunkRequest(20, new NodeId(9), 5, 0, 10))));
        Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new ChunkRequest(20, B, 5, -1, 10))));
        Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new ChunkRequest(20, B, 5, 0, ChunkRequest.MaxBytes + 1))));
        Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(offer with { Length = 0 })));

        // Held: an accept for 10 (voided by the skip) and one for 20 (routed after it).
        coordinator.Handle(new Accept(10, B, new Ballot(1, B), [1], 0));
        coordinator.Handle(new Accept(20, B, new Ballot(1, B), [1], 0));
        var skipped = coordinator.Skip(new InstancesSkipped(20, 9));
        Assert.Equal(new Deliver(Role.Acceptor, new CheckpointInstalled(20, 9)), skipped[0]);
        Assert.Equal(new Deliver(Role.Proposer, new InstancesSkipped(20, 9) { Members = coordinator.Members }), skipped[1]);
        Assert.Equal(Role.Acceptor, ((Deliver)skipped[2]).To);
        Assert.Equal(20, ((Accept)((Deliver)skipped[2]).Input).Instance);
        Assert.Equal((20L, 9UL, 0), (coordinator.Instance, coordinator.PreviousChecksum, coordinator.HeldMessages));

        // A checkpoint this node learned past while its learner held it: only the proposer is
        // told (it answers the callers whose commands ran in what the learner skipped).
        Assert.Equal([new Deliver(Role.Proposer, new InstancesSkipped(15, 1))], coordinator.Skip(new InstancesSkipped(15, 1)));
        Assert.Equal([new Deliver(Role.Proposer, new InstancesSkipped(20, 9))], coordinator.Skip(new InstancesSkipped(20, 9)));
        Assert.Equal(20, coordinator.Instance);
        coordinator.Halt("test");
        Assert.Empty(coordinator.Skip(new InstancesSkipped(30, 1)));
    }
}
