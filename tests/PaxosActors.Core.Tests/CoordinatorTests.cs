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
    public void The_best_peers_instance_counts_only_valid_messages_from_other_members()
    {
        var coordinator = new InstanceCoordinator(A, Three, new ProtocolOptions(), 3, 0);
        coordinator.Handle(new Prepare(40, new NodeId(9), new Ballot(1, new NodeId(9))));
        coordinator.Handle(new Prepare(50, B, new Ballot(1, C)));
        coordinator.Handle(new Prepare(60, A, new Ballot(1, A)));
        Assert.Equal(0, coordinator.PeerInstance);

        coordinator.Handle(new AskForLearn(9, C));
        coordinator.Handle(new AskForLearn(7, B));
        Assert.Equal(9, coordinator.PeerInstance);
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

/// <summary>Findings of the mutation run (docs/testing.md, "Mutation testing"): the edges of each rule.</summary>
public sealed class CoordinatorEdgeTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);
    private static readonly Membership Three = new([A, B, C]);

    private static InstanceCoordinator New(long instance = 0, ProtocolOptions? options = null) => new(A, Three, options ?? new ProtocolOptions(), instance, 0);

    private static string Reason(IReadOnlyList<Effect> effects) => Assert.IsType<Dropped>(Assert.Single(effects)).Reason;

    private static Role To(IReadOnlyList<Effect> effects) => Assert.IsType<Deliver>(Assert.Single(effects)).To;

    [Fact]
    public void Each_message_goes_to_the_role_it_is_for()
    {
        var c = New(instance: 3);
        Assert.Equal(Role.Acceptor, To(c.Handle(new Prepare(3, B, new Ballot(1, B)))));
        Assert.Equal(Role.Acceptor, To(c.Handle(new Accept(3, B, new Ballot(1, B), [1], 0))));
        Assert.Equal(Role.Learner, To(c.Handle(new Accept(2, B, new Ballot(1, B), [1], 0))));
        Assert.Equal(Role.Learner, To(c.Handle(new ValueChosen(2, B, [1], 0))));
        Assert.Equal(Role.Learner, To(c.Handle(new AskForLearn(5, B))));
        Assert.Equal(Role.Proposer, To(c.Handle(new PrepareReply(3, B, new Ballot(1, A), true, Ballot.Zero, Ballot.Zero, null))));
        Assert.Equal(Role.Proposer, To(c.Handle(new AcceptReply(3, B, new Ballot(1, A), true, Ballot.Zero))));
        Assert.Equal("stale", Reason(c.Handle(new PrepareReply(4, B, new Ballot(1, A), true, Ballot.Zero, Ballot.Zero, null))));
        Assert.Equal("stale", Reason(c.Handle(new AcceptReply(2, B, new Ballot(1, A), true, Ballot.Zero))));
        Assert.Empty(c.Handle(new LearnOffer(3, B)));
        Assert.Equal(0, c.HeldMessages);
    }

    [Fact]
    public void Ballots_are_range_checked_up_to_half_the_range_and_a_negative_instance_is_malformed()
    {
        const long limit = long.MaxValue / 2;
        var c = New();
        Assert.Equal("malformed", Reason(c.Handle(new Accept(0, B, new Ballot(limit, B), [1], 0))));
        Assert.Equal("malformed", Reason(c.Handle(new Accept(0, B, new Ballot(0, B), [1], 0))));
        Assert.Equal(Role.Acceptor, To(c.Handle(new Accept(0, B, new Ballot(limit - 1, B), [1], 0))));
        Assert.Equal(Role.Acceptor, To(c.Handle(new Prepare(0, B, new Ballot(limit - 1, B)))));
        Assert.Equal(Role.Acceptor, To(c.Handle(new Prepare(0, B, new Ballot(1, B)))));
        Assert.Equal("malformed", Reason(c.Handle(new Prepare(0, B, new Ballot(limit, B)))));

        var ok = new PrepareReply(0, B, new Ballot(1, A), true, Ballot.Zero, Ballot.Zero, null);
        Assert.Equal(Role.Proposer, To(c.Handle(ok)));
        Assert.Equal(Role.Proposer, To(c.Handle(ok with { Promised = new Ballot(limit - 1, C), AcceptedBallot = new Ballot(limit - 1, C) })));
        Assert.Equal("malformed", Reason(c.Handle(ok with { Promised = new Ballot(limit, C) })));
        Assert.Equal("malformed", Reason(c.Handle(ok with { Promised = new Ballot(-1, C) })));
        Assert.Equal("malformed", Reason(c.Handle(ok with { AcceptedBallot = new Ballot(limit, C) })));
        Assert.Equal("malformed", Reason(c.Handle(ok with { AcceptedBallot = new Ballot(-1, C) })));

        var reply = new AcceptReply(0, B, new Ballot(1, A), true, Ballot.Zero);
        Assert.Equal(Role.Proposer, To(c.Handle(reply)));
        Assert.Equal(Role.Proposer, To(c.Handle(reply with { Promised = new Ballot(limit - 1, C) })));
        Assert.Equal("malformed", Reason(c.Handle(reply with { Promised = new Ballot(limit, C) })));
        Assert.Equal("malformed", Reason(c.Handle(reply with { Promised = new Ballot(-1, C) })));

        Assert.Equal("malformed", Reason(c.Handle(new AskForLearn(-1, B))));
        Assert.Equal(Role.Learner, To(c.Handle(new AskForLearn(0, B))));
    }

    [Fact]
    public void Learning_advances_the_instance_and_checksum_and_releases_only_the_next_instance()
    {
        var c = New();
        c.Handle(new Prepare(1, B, new Ballot(1, B)));
        c.Handle(new Prepare(2, B, new Ballot(1, B)));
        c.Handle(new Prepare(2, C, new Ballot(1, C)));
        Assert.Equal(3, c.HeldMessages);

        var checksum = Checksum.Next(0, [1]);
        var effects = c.Handle(new ValueChosen(0, B, [1], checksum));
        Assert.Equal((1L, checksum), (c.Instance, c.PreviousChecksum));
        Assert.Equal(2, c.HeldMessages);
        var learned = effects.OfType<Deliver>().Select(d => d.Input).OfType<InstanceLearned>().ToList();
        Assert.Equal(3, learned.Count);
        Assert.All(learned, l => Assert.Equal((0L, checksum), (l.Instance, l.Checksum)));
        Assert.Single(effects.OfType<Deliver>(), d => d.Input is Prepare { Instance: 1 });

        var second = Checksum.Next(checksum, [2]);
        effects = c.Handle(new ValueChosen(1, C, [2], second));
        Assert.Equal(2, effects.OfType<Deliver>().Count(d => d.Input is Prepare { Instance: 2 }));
        Assert.Equal(0, c.HeldMessages);
    }

    [Fact]
    public void A_halt_keeps_its_first_reason_and_forgets_what_was_held()
    {
        var c = New();
        c.Handle(new Prepare(4, B, new Ballot(1, B)));
        c.Halt("first");
        c.Halt("second");
        Assert.Equal("first", c.HaltReason);
        Assert.Equal(0, c.HeldMessages);
        Assert.Empty(c.OnLearnTick());
        Assert.Equal("halted", Reason(c.Handle(new AskForLearn(0, B))));
    }

    [Fact]
    public void A_halt_on_a_bad_checksum_names_both_checksums_and_releases_nothing()
    {
        var c = New();
        c.Handle(new Prepare(1, B, new Ballot(1, B)));
        var effects = c.Handle(new ValueChosen(0, B, [1], 0x42));
        var halt = Assert.IsType<Halt>(Assert.Single(effects));
        Assert.Contains("0000000000000042", halt.Reason);
        Assert.Contains(Checksum.Next(0, [1]).ToString("x16"), halt.Reason);
        Assert.Equal(halt.Reason, c.HaltReason);
        Assert.Equal(0, c.Instance);
    }

    [Fact]
    public void The_learn_tick_asks_the_other_members_once_and_a_held_message_then_asks_no_more()
    {
        var c = New(instance: 2);
        var asks = c.OnLearnTick().Cast<Send>().ToList();
        Assert.Equal([B, C], asks.Select(s => s.To));
        Assert.All(asks, s => Assert.Equal(new AskForLearn(2, A), s.Message));

        var held = c.Handle(new Prepare(3, B, new Ballot(1, B)));
        Assert.Empty(held);
        Assert.Equal(1, c.HeldMessages);
    }

    [Fact]
    public void A_message_ahead_asks_its_sender_once_per_instance_but_not_this_node_itself()
    {
        var c = New();
        Assert.Empty(c.Handle(new AcceptReply(0, A, new Ballot(1, A), true, Ballot.Zero)).OfType<Send>());
        Assert.Empty(c.Handle(new ValueChosen(2, A, [1], 0)));
        var ask = Assert.IsType<Send>(Assert.Single(c.Handle(new ValueChosen(3, B, [1], 0))));
        Assert.Equal((B, (PaxosMessage)new AskForLearn(0, A)), (ask.To, ask.Message));
        Assert.Empty(c.Handle(new ValueChosen(4, C, [1], 0)));
        Assert.Equal(3, c.HeldMessages);
    }

    [Fact]
    public void The_future_queue_holds_exactly_its_limit()
    {
        var c = New(options: new ProtocolOptions { FutureQueueLimit = 2 });
        c.Handle(new Prepare(1, A, new Ballot(1, A)));
        Assert.Empty(c.Handle(new Prepare(2, A, new Ballot(1, A))));
        Assert.Equal(2, c.HeldMessages);
        Assert.Equal("future_queue_full", Reason(c.Handle(new Prepare(2, A, new Ballot(2, A)))));
        Assert.Equal(2, c.HeldMessages);
    }

    [Fact]
    public void A_node_at_instance_one_asks_at_once_for_what_a_message_ahead_implies()
    {
        var c = New(instance: 1);
        var ask = Assert.IsType<Send>(Assert.Single(c.Handle(new Prepare(3, B, new Ballot(1, B)))));
        Assert.Equal(new AskForLearn(1, A), ask.Message);
        Assert.Equal(new AskForLearn(1, A), Assert.IsType<Send>(Assert.Single(New(instance: 1).Handle(new LearnOffer(5, B)))).Message);
    }

    [Fact]
    public void A_learn_offer_is_answered_only_while_behind_it()
    {
        var c = New(instance: 4);
        Assert.Empty(c.Handle(new LearnOffer(4, B)));
        Assert.Empty(c.Handle(new LearnOffer(3, B)));
        Assert.Equal(new AskForLearn(4, A), Assert.IsType<Send>(Assert.Single(c.Handle(new LearnOffer(5, B)))).Message);
    }

    [Fact]
    public void With_the_ballot_equality_bug_a_message_for_the_next_instance_reaches_the_acceptor()
    {
        var c = New(options: new ProtocolOptions { Bugs = DeliberateBugs.BallotEqualityLearning });
        var seen = c.Handle(new Prepare(1, B, new Ballot(3, B))).OfType<Deliver>().Single();
        Assert.Equal((Role.Acceptor, (object)new NextInstanceSeen(1, new Ballot(3, B))), (seen.To, seen.Input));
        seen = c.Handle(new Accept(1, C, new Ballot(4, C), [1], 0)).OfType<Deliver>().Single();
        Assert.Equal((Role.Acceptor, (object)new NextInstanceSeen(1, new Ballot(4, C))), (seen.To, seen.Input));
        Assert.Empty(c.Handle(new Prepare(2, B, new Ballot(3, B))).OfType<Deliver>());
        Assert.Empty(New().Handle(new Prepare(1, B, new Ballot(3, B))).OfType<Deliver>());
    }
}

/// <summary>Findings of the mutation run (docs/testing.md, "Mutation testing"): the learner's edges.</summary>
public sealed class LearnerEdgeTests
{
    private static readonly NodeId A = new(1), B = new(2);

    private static List<InstanceChosen> Log(int count, int size = 1)
    {
        var log = new List<InstanceChosen>();
        var checksum = Checksum.Initial;
        for (var i = 0; i < count; i++)
        {
            var value = Enumerable.Repeat((byte)i, size).ToArray();
            checksum = Checksum.Next(checksum, value);
            log.Add(new InstanceChosen(i, value, checksum));
        }

        return log;
    }

    [Fact]
    public void A_log_recovered_from_a_cut_journal_replays_from_a_checkpoint_inside_it_and_knows_its_checksums()
    {
        var log = Log(10);
        var learner = new Learner(A, new ProtocolOptions(), log.Skip(4), start: 4, previousChecksum: log[3].Checksum);
        Assert.Equal((4L, 10L), (learner.LogStart, learner.NextInstance));
        Assert.Equal(log[3].Checksum, learner.ChecksumAt(3));
        Assert.Equal(log[6].Checksum, learner.ChecksumAt(6));
        Assert.Equal(log[9].Checksum, learner.ChecksumAt(9));
        Assert.Throws<ArgumentOutOfRangeException>(() => learner.Replay(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => learner.Replay(11));

        var replay = learner.Replay(7).Cast<Execute>().ToList();
        Assert.Equal([7L, 8L, 9L], replay.Select(e => e.Instance));
        Assert.Equal([(byte)7, 8, 9], replay.Select(e => e.Value.Single()));
        Assert.Empty(new Learner(A, new ProtocolOptions(), log.Skip(4), 4, log[3].Checksum).Replay(10));
    }

    [Fact]
    public void A_recovered_log_with_a_gap_is_refused_and_a_whole_one_replays_in_order()
    {
        Assert.Throws<ArgumentException>(() => new Learner(A, new ProtocolOptions(), [Log(3)[0], Log(3)[2]]));
        var log = Log(3);
        var learner = new Learner(A, new ProtocolOptions(), log);
        Assert.Equal((3L, log[2].Checksum), (learner.NextInstance, learner.LastChecksum));
        var replay = learner.Replay().Cast<Execute>().ToList();
        Assert.Equal([0L, 1L, 2L], replay.Select(e => e.Instance));
        Assert.Equal([2], replay[2].Value);
    }

    [Fact]
    public void Replay_trims_a_recovered_log_to_the_window_by_count_and_by_bytes()
    {
        var byCount = new Learner(A, new ProtocolOptions { LogWindow = 2 }, Log(5));
        Assert.Equal(5, byCount.Replay().Count);
        Assert.Equal(3, byCount.FirstInMemory);

        var byBytes = new Learner(A, new ProtocolOptions { LogWindowBytes = 25 }, Log(5, size: 10));
        byBytes.Replay();
        Assert.Equal(3, byBytes.FirstInMemory);
        Assert.Equal(5, byBytes.NextInstance);
    }

    [Fact]
    public void Instances_are_learned_strictly_in_order()
    {
        var learner = new Learner(A, new ProtocolOptions(), Log(2));
        Assert.Throws<InvalidOperationException>(() => learner.Handle(new InstanceLearned(3, [1], 0)));
        Assert.Throws<InvalidOperationException>(() => learner.Handle(new InstanceLearned(1, [1], 0)));
        var execute = Assert.IsType<Execute>(Assert.Single(learner.Handle(new InstanceLearned(2, Log(3)[2].Value, Log(3)[2].Checksum))));
        Assert.Equal((2L, Log(3)[2].Value[0]), (execute.Instance, execute.Value[0]));
    }

    [Fact]
    public void The_window_is_trimmed_only_once_it_is_a_quarter_over()
    {
        var learner = new Learner(A, new ProtocolOptions { LogWindow = 8 }, []);
        var log = Log(11);
        for (var i = 0; i < 10; i++)
        {
            learner.Handle(new InstanceLearned(i, log[i].Value, log[i].Checksum));
        }

        Assert.Equal(0, learner.FirstInMemory);
        learner.Handle(new InstanceLearned(10, log[10].Value, log[10].Checksum));
        Assert.Equal(3, learner.FirstInMemory);
        Assert.Equal(8, learner.InMemory.Count);
    }

    [Fact]
    public void The_byte_budget_is_trimmed_only_once_it_is_a_quarter_over()
    {
        var learner = new Learner(A, new ProtocolOptions { LogWindowBytes = 40 }, []);
        var log = Log(6, size: 10);
        for (var i = 0; i < 5; i++)
        {
            learner.Handle(new InstanceLearned(i, log[i].Value, log[i].Checksum));
        }

        Assert.Equal(0, learner.FirstInMemory);
        learner.Handle(new InstanceLearned(5, log[5].Value, log[5].Checksum));
        Assert.Equal(2, learner.FirstInMemory);
    }

    [Fact]
    public void It_serves_nobody_itself_nothing_before_zero_and_nothing_it_has_not_learned()
    {
        var learner = new Learner(A, new ProtocolOptions(), Log(3));
        Assert.Empty(learner.Handle(new AskForLearn(0, A)));
        Assert.Empty(learner.Handle(new AskForLearn(-1, B)));
        Assert.Empty(learner.Handle(new AskForLearn(3, B)));
        var last = Assert.IsType<Send>(Assert.Single(learner.Handle(new AskForLearn(2, B))));
        Assert.Equal(B, last.To);
        var value = Assert.IsType<ValueChosen>(last.Message);
        Assert.Equal((2L, A, Log(3)[2].Checksum), (value.Instance, value.From, value.Checksum));
    }

    [Fact]
    public void A_prepare_or_accept_for_a_learned_instance_is_answered_with_the_chosen_values()
    {
        var learner = new Learner(A, new ProtocolOptions(), Log(3));
        Assert.Equal([1L, 2L], learner.Handle(new Prepare(1, B, new Ballot(1, B))).Cast<Send>().Select(s => ((ValueChosen)s.Message).Instance));
        Assert.Equal([2L], learner.Handle(new Accept(2, B, new Ballot(1, B), [1], 0)).Cast<Send>().Select(s => ((ValueChosen)s.Message).Instance));
        Assert.Throws<ArgumentException>(() => learner.Handle(new LearnOffer(0, B)));
    }

    [Fact]
    public void Trimming_by_count_keeps_the_byte_count_true_so_the_byte_budget_never_cuts_below_the_window()
    {
        var learner = new Learner(A, new ProtocolOptions { LogWindow = 4, LogWindowBytes = 100 }, []);
        var log = Log(40, size: 10);
        foreach (var c in log)
        {
            learner.Handle(new InstanceLearned(c.Instance, c.Value, c.Checksum));
            Assert.InRange(learner.InMemory.Count, Math.Min(4, (int)c.Instance + 1), 5);
        }
    }

    [Fact]
    public void Asking_from_the_next_instance_serves_nothing_and_counts_no_serve()
    {
        var learner = new Learner(A, new ProtocolOptions(), Log(3));
        using var probe = new ThreadCounterProbe();
        Assert.Empty(learner.Handle(new AskForLearn(3, B)));
        probe.Expect(("learner.serve", 0), ("learner.serve_from_storage", 0));
    }

    [Fact]
    public void Storage_serves_at_most_a_batch_and_never_past_what_memory_holds()
    {
        var options = new ProtocolOptions { LogWindow = 4, CatchUpBatch = 2 };
        var learner = new Learner(A, options, Log(20));
        learner.Replay();
        Assert.Equal(16, learner.FirstInMemory);
        Assert.Equal(new ServeFromStorage(B, 3, 5, 20), Assert.Single(learner.Handle(new AskForLearn(3, B))));
        Assert.Equal(new ServeFromStorage(B, 15, 16, 20), Assert.Single(learner.Handle(new AskForLearn(15, B))));
        var fromMemory = learner.Handle(new AskForLearn(16, B)).Cast<Send>().Select(s => s.Message).ToList();
        Assert.Equal([16L, 17L], fromMemory.OfType<ValueChosen>().Select(v => v.Instance));
        Assert.Equal(new LearnOffer(20, A), fromMemory[^1]);
    }

    [Fact]
    public void An_old_value_is_checked_against_memory_only()
    {
        var log = Log(10);
        var learner = new Learner(A, new ProtocolOptions { LogWindow = 4 }, log);
        learner.Replay();
        Assert.Equal(6, learner.FirstInMemory);
        Assert.Empty(learner.Handle(new ValueChosen(5, B, [1], 1)));
        Assert.Empty(learner.Handle(new ValueChosen(10, B, [1], 1)));
        Assert.Empty(learner.Handle(new ValueChosen(6, B, log[6].Value, log[6].Checksum)));
        Assert.Empty(learner.Handle(new ValueChosen(9, B, log[9].Value, log[9].Checksum)));
        var halt = Assert.IsType<Halt>(Assert.Single(learner.Handle(new ValueChosen(6, B, [1], 1))));
        Assert.Contains("Instance 6", halt.Reason);
        Assert.Contains(log[6].Checksum.ToString("x16"), halt.Reason);
        Assert.IsType<Halt>(Assert.Single(learner.Handle(new ValueChosen(9, B, [1], 1))));
    }
}
