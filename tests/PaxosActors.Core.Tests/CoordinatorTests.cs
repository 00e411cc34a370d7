namespace PaxosActors.Core.Tests;

public sealed class CoordinatorTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);
    private static readonly Membership Three = new([A, B, C]);

    [Fact]
    public void Future_messages_wait_and_are_released_in_order_after_learning()
    {
        var coordinator = new InstanceCoordinator(A, Three, new ProtocolOptions(), 0, 0);
        var held = coordinator.Handle(new Accept(1, B, new Ballot(1, B), [2], Checksum.Next(0, [1])));
        Assert.Contains(held, e => e is Send { Message: AskForLearn { Instance: 0 } } s && s.To == B);
        Assert.Equal(1, coordinator.HeldMessages);

        var effects = coordinator.Handle(new ValueChosen(0, B, [1], Checksum.Next(0, [1])));
        var routes = effects.OfType<Deliver>().Select(d => (d.To, d.Input.GetType().Name)).ToList();
        Assert.Equal(
            [(Role.Acceptor, "InstanceLearned"), (Role.Learner, "InstanceLearned"), (Role.Proposer, "InstanceLearned"), (Role.Acceptor, "Accept")],
            routes);
        Assert.Equal(1, coordinator.Instance);
        Assert.Equal(0, coordinator.HeldMessages);
    }

    [Fact]
    public void Stale_and_foreign_messages_are_dropped_or_served_by_the_learner()
    {
        var coordinator = new InstanceCoordinator(A, Three, new ProtocolOptions(), 3, 0);
        Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new AcceptReply(2, B, new Ballot(1, A), true, Ballot.Zero))));
        Assert.Equal("not_member", Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new Prepare(3, new NodeId(9), new Ballot(1, new NodeId(9)))))).Reason);
        Assert.Equal(Role.Learner, Assert.IsType<Deliver>(Assert.Single(coordinator.Handle(new Prepare(1, B, new Ballot(1, B))))).To);
    }

    /// <summary>Whatever instance it is for: current (acceptor), past (learner) or future (held).</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(9)]
    public void A_prepare_or_accept_in_another_nodes_ballot_is_dropped(long instance)
    {
        var coordinator = new InstanceCoordinator(A, Three, new ProtocolOptions(), 5, 0);
        Assert.Equal("ballot_mismatch", Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new Prepare(instance, B, new Ballot(7, C))))).Reason);
        Assert.Equal("ballot_mismatch", Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new Accept(instance, B, new Ballot(7, A), [1], 0)))).Reason);
        Assert.Equal(0, coordinator.HeldMessages);
        Assert.DoesNotContain(coordinator.Handle(new Prepare(instance, B, new Ballot(7, B))), e => e is Dropped);
    }

    [Fact]
    public void The_future_queue_is_bounded()
    {
        var coordinator = new InstanceCoordinator(A, Three, new ProtocolOptions { FutureQueueLimit = 2 }, 0, 0);
        coordinator.Handle(new Prepare(1, B, new Ballot(1, B)));
        coordinator.Handle(new Prepare(2, B, new Ballot(1, B)));
        var effects = coordinator.Handle(new Prepare(2, C, new Ballot(1, C)));
        Assert.Equal("future_queue_full", effects.OfType<Dropped>().Single().Reason);
        Assert.Equal(2, coordinator.HeldMessages);
    }

    [Fact]
    public void A_message_further_ahead_than_the_limit_is_not_held_but_the_node_still_asks_to_learn()
    {
        var coordinator = new InstanceCoordinator(A, Three, new ProtocolOptions { FutureQueueLimit = 4 }, 10, 0);
        var far = coordinator.Handle(new Prepare(15, B, new Ballot(1, B)));
        Assert.Equal("future_too_far", far.OfType<Dropped>().Single().Reason);
        Assert.Contains(far, e => e is Send { Message: AskForLearn { Instance: 10 } } s && s.To == B);
        Assert.Equal(0, coordinator.HeldMessages);

        Assert.Empty(coordinator.Handle(new Prepare(14, B, new Ballot(1, B))).OfType<Dropped>());
        Assert.Equal(1, coordinator.HeldMessages);
        Assert.Equal("future_too_far", coordinator.Handle(new ValueChosen(long.MaxValue, C, [1], 0)).OfType<Dropped>().Single().Reason);
    }

    [Fact]
    public void The_future_queue_is_bounded_in_bytes_of_values_and_frees_them_on_release()
    {
        var coordinator = new InstanceCoordinator(A, Three, new ProtocolOptions { FutureQueueBytes = 10 }, 0, 0);
        Assert.Empty(coordinator.Handle(new Accept(1, B, new Ballot(1, B), new byte[6], 0)).OfType<Dropped>());
        Assert.Equal("future_queue_bytes", coordinator.Handle(new ValueChosen(2, C, new byte[5], 0)).OfType<Dropped>().Single().Reason);
        Assert.Empty(coordinator.Handle(new ValueChosen(2, C, new byte[4], 0)).OfType<Dropped>());
        Assert.Empty(coordinator.Handle(new Prepare(2, B, new Ballot(2, B))).OfType<Dropped>());
        Assert.Equal((3, 10L), (coordinator.HeldMessages, coordinator.HeldBytes));

        // Learning instance 0 releases instance 1's Accept: its bytes are free again.
        coordinator.Handle(new ValueChosen(0, B, [1], Checksum.Next(0, [1])));
        Assert.Equal((2, 4L), (coordinator.HeldMessages, coordinator.HeldBytes));
        Assert.Empty(coordinator.Handle(new Accept(3, B, new Ballot(2, B), new byte[6], 0)).OfType<Dropped>());
        Assert.Equal(10, coordinator.HeldBytes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void The_byte_bound_must_be_positive(long bytes)
    {
        Assert.Throws<ArgumentException>(() => new ProtocolOptions { FutureQueueBytes = bytes }.Validate());
    }

    [Fact]
    public void A_chosen_value_with_a_wrong_checksum_halts_the_group()
    {
        var coordinator = new InstanceCoordinator(A, Three, new ProtocolOptions(), 0, 0);
        Assert.IsType<Halt>(Assert.Single(coordinator.Handle(new ValueChosen(0, B, [1], 42))));
        Assert.True(coordinator.IsHalted);
        Assert.Equal("halted", Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new ValueChosen(0, B, [1], Checksum.Next(0, [1]))))).Reason);
    }
}

public sealed class FollowerCoordinatorTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3), F = new(4);
    private static readonly Membership WithFollower = new([A, B, C], followers: new Dictionary<NodeId, NodeId> { [F] = A });

    [Fact]
    public void A_member_pushes_each_learned_value_to_its_followers()
    {
        var coordinator = new InstanceCoordinator(A, WithFollower, new ProtocolOptions(), 0, 0);
        var effects = coordinator.Handle(new ValueChosen(0, B, [1], Checksum.Next(0, [1])));
        Assert.Contains(effects, e => e is Send { Message: ValueChosen { Instance: 0 } } s && s.To == F);
        var other = new InstanceCoordinator(B, WithFollower, new ProtocolOptions(), 0, 0);
        Assert.DoesNotContain(other.Handle(new ValueChosen(0, A, [1], Checksum.Next(0, [1]))), e => e is Send s && s.To == F);
    }

    [Fact]
    public void A_follower_may_ask_to_learn_but_not_vote()
    {
        var coordinator = new InstanceCoordinator(B, WithFollower, new ProtocolOptions(), 3, 0);
        Assert.Equal(Role.Learner, Assert.IsType<Deliver>(Assert.Single(coordinator.Handle(new AskForLearn(0, F)))).To);
        Assert.Equal("not_member", Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new Prepare(3, F, new Ballot(9, F))))).Reason);
    }

    [Fact]
    public void A_follower_asks_every_member_so_it_fails_over()
    {
        var follower = new InstanceCoordinator(F, WithFollower, new ProtocolOptions(), 5, 0);
        Assert.Equal([A, B, C], follower.OnLearnTick().OfType<Send>().Select(s => s.To).Order());
    }
}

public sealed class CatchUpTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);
    private static readonly Membership Three = new([A, B, C]);

    [Fact]
    public void A_learner_serves_one_batch_and_says_how_far_it_goes()
    {
        var chosen = Enumerable.Range(0, 10).Aggregate(new List<InstanceChosen>(), (log, i) =>
        {
            var previous = log.Count == 0 ? Checksum.Initial : log[^1].Checksum;
            log.Add(new InstanceChosen(i, [(byte)i], Checksum.Next(previous, [(byte)i])));
            return log;
        });
        var learner = new Learner(A, new ProtocolOptions { CatchUpBatch = 4 }, chosen);
        var effects = learner.Handle(new AskForLearn(2, B)).OfType<Send>().Select(s => s.Message).ToList();
        Assert.Equal([2L, 3L, 4L, 5L], effects.OfType<ValueChosen>().Select(v => v.Instance));
        Assert.Equal(10, Assert.IsType<LearnOffer>(effects[^1]).Instance);
        Assert.DoesNotContain(learner.Handle(new AskForLearn(8, B)), e => e is Send { Message: LearnOffer });
    }

    [Fact]
    public void A_node_behind_acknowledges_a_batch_by_asking_for_the_next_once()
    {
        var coordinator = new InstanceCoordinator(C, Three, new ProtocolOptions(), 4, 0);
        var ask = Assert.IsType<Send>(Assert.Single(coordinator.Handle(new LearnOffer(10, A))));
        Assert.Equal(new AskForLearn(4, C), ask.Message);
        Assert.Equal(A, ask.To);
        Assert.Empty(coordinator.Handle(new LearnOffer(10, A)));
        Assert.Empty(new InstanceCoordinator(C, Three, new ProtocolOptions(), 10, 0).Handle(new LearnOffer(10, A)));
    }
}

public sealed class HostileBallotTests
{
    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(0)]
    [InlineData(-3)]
    public void A_ballot_that_leaves_no_room_to_count_up_is_malformed(long proposalId)
    {
        var b = new NodeId(2);
        var coordinator = new InstanceCoordinator(new NodeId(1), new Membership([new NodeId(1), b, new NodeId(3)]), new ProtocolOptions(), 0, 0);
        Assert.Equal("malformed", Assert.IsType<Dropped>(Assert.Single(coordinator.Handle(new Prepare(0, b, new Ballot(proposalId, b))))).Reason);
    }
}

public sealed class LearnerWindowTests
{
    private static readonly NodeId A = new(1), B = new(2);

    [Fact]
    public void Instances_older_than_the_window_are_served_from_storage_and_newer_from_memory()
    {
        var options = new ProtocolOptions { CatchUpBatch = 4, LogWindow = 4 };
        var learner = new Learner(A, options, []);
        var checksum = Checksum.Initial;
        for (var i = 0; i < 10; i++)
        {
            checksum = Checksum.Next(checksum, [(byte)i]);
            learner.Handle(new InstanceLearned(i, [(byte)i], checksum));
        }

        Assert.True(learner.FirstInMemory > 0);
        Assert.Equal(10, learner.NextInstance);
        Assert.Equal(checksum, learner.LastChecksum);
        var old = Assert.IsType<ServeFromStorage>(Assert.Single(learner.Handle(new AskForLearn(0, B))));
        Assert.Equal(new ServeFromStorage(B, 0, Math.Min(learner.FirstInMemory, 4), 10), old);
        var recent = learner.Handle(new AskForLearn(learner.FirstInMemory, B)).OfType<Send>().Select(s => s.Message).OfType<ValueChosen>();
        Assert.Equal(learner.FirstInMemory, recent.First().Instance);
    }

    [Fact]
    public void The_byte_budget_bounds_memory_whatever_the_instance_window_and_keeps_the_newest()
    {
        var options = new ProtocolOptions { CatchUpBatch = 4, LogWindow = 1000, LogWindowBytes = 1000 };
        var learner = new Learner(A, options, []);
        var checksum = Checksum.Initial;
        for (var i = 0; i < 100; i++)
        {
            var value = new byte[100];
            checksum = Checksum.Next(checksum, value);
            learner.Handle(new InstanceLearned(i, value, checksum));
            Assert.True(learner.InMemory.Sum(e => e.Value.Length) <= 1250, $"{learner.InMemory.Count} values in memory after {i + 1}");
        }

        Assert.InRange(learner.InMemory.Count, 10, 12);
        Assert.Equal(100 - learner.InMemory.Count, learner.FirstInMemory);

        // One value over the whole budget still stays: it is the newest.
        checksum = Checksum.Next(checksum, new byte[5000]);
        learner.Handle(new InstanceLearned(100, new byte[5000], checksum));
        Assert.Equal(100, Assert.Single(learner.InMemory.Select((e, i) => learner.FirstInMemory + i)));
    }
}
