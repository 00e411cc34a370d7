namespace PaxosActors.Core.Tests;

/// <summary>
/// The branches a checkpoint install adds to the acceptor, the coordinator and the learner:
/// each counts once, and only when it moves the node forward; argument and bound checks hold
/// at their exact edges. Written against the survivors of the 2026-12-05 Stryker run
/// (docs/mutation-survivors.md).
/// </summary>
public sealed class CheckpointBranchTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);
    private static readonly Membership Three = new([A, B, C]);

    [Fact]
    public void Negative_mark_spacing_or_log_start_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Acceptor(A, AcceptorState.Initial, markEvery: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Learner(A, new ProtocolOptions(), [], start: -1));
    }

    [Fact]
    public void Checkpoint_install_branches_count_once_and_only_when_they_move_forward()
    {
        using var probe = new ThreadCounterProbe();
        var high = new Ballot(7, B);

        var acceptor = new Acceptor(A, new AcceptorState(3, high, Ballot.Zero, null, 1));
        acceptor.Handle(new CheckpointInstalled(20, 9));
        acceptor.Handle(new CheckpointInstalled(20, 9));

        var coordinator = new InstanceCoordinator(A, Three, new ProtocolOptions(), 3, 0);
        coordinator.Skip(new InstancesSkipped(20, 9));
        coordinator.Skip(new InstancesSkipped(20, 9));

        var v = new byte[] { 1 };
        var learner = new Learner(A, new ProtocolOptions(), [new InstanceChosen(40, v, 41)], start: 40, previousChecksum: 39);
        learner.Handle(new AskForLearn(39, B));

        probe.Expect(
            ("acceptor.checkpoint_installed", 1),
            ("coordinator.skipped", 1),
            ("learner.offer_checkpoint", 1));
    }

    [Fact]
    public void A_skip_voids_what_it_covers_releases_its_own_instance_and_keeps_the_rest_with_their_bytes()
    {
        var coordinator = new InstanceCoordinator(A, Three, new ProtocolOptions(), 3, 0);
        coordinator.Handle(new Accept(10, B, new Ballot(1, B), [1], 0));
        coordinator.Handle(new Accept(10, C, new Ballot(1, C), [1, 2], 0));
        coordinator.Handle(new Accept(20, B, new Ballot(1, B), [1], 0));
        coordinator.Handle(new Accept(20, C, new Ballot(1, C), [1, 2], 0));
        coordinator.Handle(new Accept(25, B, new Ballot(1, B), [1, 2, 3], 0));
        Assert.Equal((5, 9L), (coordinator.HeldMessages, coordinator.HeldBytes));

        var skipped = coordinator.Skip(new InstancesSkipped(20, 9));
        Assert.Equal(2, skipped.OfType<Deliver>().Count(d => d.Input is Accept { Instance: 20 }));
        Assert.Equal((1, 3L), (coordinator.HeldMessages, coordinator.HeldBytes));
    }

    [Fact]
    public void Chunk_requests_and_chunks_are_checked_at_their_exact_bounds()
    {
        var coordinator = new InstanceCoordinator(A, Three, new ProtocolOptions(), 3, 0);
        Assert.Equal("malformed", Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new ChunkRequest(20, B, 5, 0, 0)))).Reason);
        Assert.IsType<Deliver>(Assert.Single(coordinator.Handle(new ChunkRequest(20, B, 5, 0, ChunkRequest.MaxBytes))));
        Assert.IsType<Deliver>(Assert.Single(coordinator.Handle(new CheckpointChunk(20, B, 5, 0, new byte[ChunkRequest.MaxBytes], 0))));
        Assert.Equal("malformed", Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new CheckpointChunk(20, B, 5, -1, [1], 0)))).Reason);
    }

    [Fact]
    public void An_anchored_checkpoint_at_instance_0_is_kept_and_the_cut_waits_behind_it()
    {
        var r = CheckpointSchedule.Retain([0, 10], keep: 1, durable: 5);
        Assert.Empty(r.Delete);
        Assert.Equal(0, r.TruncateBehind);
    }

    [Fact]
    public void A_cut_up_to_everything_learned_moves_the_log_start_there()
    {
        var v = new byte[] { 1 };
        var learner = new Learner(A, new ProtocolOptions(), [new InstanceChosen(40, v, 41), new InstanceChosen(41, v, 42)], start: 40, previousChecksum: 39);
        learner.Truncated(42);
        Assert.Equal(42, learner.LogStart);
        Assert.Equal([new OfferCheckpoint(B)], learner.Handle(new AskForLearn(41, B)));
    }

    [Fact]
    public void A_learner_past_instance_two_to_the_thirty_still_serves_from_memory()
    {
        const long start = 1L << 30;
        var learner = new Learner(A, new ProtocolOptions(), [new InstanceChosen(start, [1], 7)], start: start, previousChecksum: 3);
        var served = Assert.IsType<Send>(Assert.Single(learner.Handle(new AskForLearn(start, B))));
        Assert.Equal(start, Assert.IsType<ValueChosen>(served.Message).Instance);
    }
}
