namespace PaxosActors.Core.Tests;

/// <summary>A restarted acceptor behind its learner's memory gets the instances in between from the peers.</summary>
public sealed class AcceptorCatchUpTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);
    private static readonly Membership Three = new([A, B, C]);

    /// <summary>The chosen log 0..19: values and chained checksums.</summary>
    private static readonly IReadOnlyList<LogEntry> Log = Enumerable.Range(0, 20).Aggregate(new List<LogEntry>(), (log, i) =>
    {
        var value = new[] { (byte)i, (byte)(i * 7) };
        log.Add(new LogEntry(value, Checksum.Next(log.Count == 0 ? Checksum.Initial : log[^1].Checksum, value)));
        return log;
    });

    [Fact]
    public void It_asks_a_peer_hands_each_instance_to_the_acceptor_in_order_and_asks_again_at_each_batch_end()
    {
        var catchUp = new AcceptorCatchUp(A, Three, 3, Log[2].Checksum, 8, Log[8]);
        var ask = Assert.IsType<Send>(Assert.Single(catchUp.Start()));
        Assert.Equal(new AskForLearn(3, A), ask.Message);
        var peer = ask.To;

        var learned = new List<long>();
        for (var i = 3; i < 6; i++)
        {
            learned.AddRange(Delivered(catchUp.Handle(Chosen(i, peer))));
        }

        var next = Assert.IsType<Send>(Assert.Single(catchUp.Handle(new LearnOffer(20, peer))));
        Assert.Equal((peer, (PaxosMessage)new AskForLearn(6, A)), (next.To, next.Message));
        Assert.False(catchUp.IsDone);

        learned.AddRange(Delivered(catchUp.Handle(Chosen(6, peer))));
        learned.AddRange(Delivered(catchUp.Handle(Chosen(7, peer))));
        Assert.Equal([3L, 4, 5, 6, 7], learned);
        Assert.True(catchUp.IsDone);
        Assert.Null(catchUp.HaltReason);
        Assert.Equal(Log[7].Checksum, catchUp.PreviousChecksum);
        Assert.Empty(catchUp.Handle(Chosen(8, peer)));
    }

    [Fact]
    public void Values_out_of_order_repeated_or_from_outside_the_group_are_ignored()
    {
        var catchUp = new AcceptorCatchUp(A, Three, 3, Log[2].Checksum, 8, Log[8]);
        catchUp.Start();
        Assert.Empty(catchUp.Handle(Chosen(4, B)));
        Assert.Empty(catchUp.Handle(Chosen(3, new NodeId(9))));
        Assert.Empty(catchUp.Handle(Chosen(3, A)));
        Assert.Equal([3L], Delivered(catchUp.Handle(Chosen(3, C))));
        Assert.Empty(catchUp.Handle(Chosen(3, B)));
        Assert.Equal(4, catchUp.Next);
    }

    [Fact]
    public void A_value_that_does_not_extend_the_acceptors_chain_halts()
    {
        var catchUp = new AcceptorCatchUp(A, Three, 3, Log[2].Checksum, 8, Log[8]);
        catchUp.Start();
        var halt = Assert.IsType<Halt>(Assert.Single(catchUp.Handle(new ValueChosen(3, B, [42], Log[3].Checksum))));
        Assert.Contains("diverged", halt.Reason);
        Assert.Equal(halt.Reason, catchUp.HaltReason);
        Assert.Empty(catchUp.Handle(Chosen(3, B)));
    }

    [Fact]
    public void A_chain_that_does_not_lead_into_the_learners_first_instance_halts()
    {
        // The learner holds a different instance 5 than the one the peers' chain leads to.
        var catchUp = new AcceptorCatchUp(A, Three, 3, Log[2].Checksum, 5, new LogEntry([99], Log[5].Checksum));
        catchUp.Start();
        Assert.Equal([3L], Delivered(catchUp.Handle(Chosen(3, B))));
        var effects = catchUp.Handle(Chosen(4, B));
        Assert.Equal([4L], Delivered(effects));
        Assert.Contains(effects, e => e is Halt);
        Assert.NotNull(catchUp.HaltReason);
    }

    [Fact]
    public void A_peer_that_sends_nothing_until_the_tick_is_passed_over_and_one_that_does_is_not()
    {
        var catchUp = new AcceptorCatchUp(A, Three, 3, Log[2].Checksum, 8, Log[8]);
        var first = Assert.IsType<Send>(Assert.Single(catchUp.Start())).To;

        var second = Assert.IsType<Send>(Assert.Single(catchUp.OnTick()));
        Assert.NotEqual(first, second.To);
        Assert.Equal(new AskForLearn(3, A), second.Message);

        catchUp.Handle(Chosen(3, second.To));
        Assert.Empty(catchUp.OnTick());
        var third = Assert.IsType<Send>(Assert.Single(catchUp.OnTick()));
        Assert.Equal((first, (PaxosMessage)new AskForLearn(4, A)), (third.To, third.Message));
    }

    [Fact]
    public void A_lone_member_has_nobody_to_ask_and_says_so()
    {
        var catchUp = new AcceptorCatchUp(A, new Membership([A]), 3, Log[2].Checksum, 8, Log[8]);
        Assert.IsType<Halt>(Assert.Single(catchUp.Start()));
        Assert.Empty(catchUp.OnTick());
    }

    [Fact]
    public void It_refuses_a_range_that_runs_backwards_or_below_zero_and_takes_an_empty_one()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AcceptorCatchUp(A, Three, -1, Checksum.Initial, 3, Log[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AcceptorCatchUp(A, Three, 5, Log[4].Checksum, 4, Log[4]));

        // Nothing between: the join is checked at once, from instance 0 too.
        var empty = new AcceptorCatchUp(A, Three, 0, Checksum.Initial, 0, Log[0]);
        Assert.Empty(empty.Start());
        Assert.True(empty.IsDone);
        Assert.Null(empty.HaltReason);
    }

    [Fact]
    public void An_empty_range_that_does_not_lead_into_the_learners_first_instance_halts_at_start()
    {
        var catchUp = new AcceptorCatchUp(A, Three, 4, Log[3].Checksum, 4, new LogEntry([99], Log[4].Checksum));
        var halt = Assert.IsType<Halt>(Assert.Single(catchUp.Start()));
        Assert.Contains("Instance 4 diverged: the chain the peers sent up to it does not lead", halt.Reason);
    }

    [Fact]
    public void A_batch_end_asks_again_only_from_the_peer_asked_and_only_if_it_has_more()
    {
        var catchUp = new AcceptorCatchUp(A, Three, 3, Log[2].Checksum, 8, Log[8]);
        var asked = Assert.IsType<Send>(Assert.Single(catchUp.Start())).To;
        Assert.Equal(asked, catchUp.Asked);
        var other = asked == B ? C : B;

        Assert.Empty(catchUp.Handle(new LearnOffer(20, other)));
        Assert.Empty(catchUp.Handle(new LearnOffer(3, asked)));
        Assert.IsType<Send>(Assert.Single(catchUp.Handle(new LearnOffer(4, asked))));
    }

    [Fact]
    public void Once_done_or_halted_a_tick_asks_nobody()
    {
        var done = new AcceptorCatchUp(A, Three, 3, Log[2].Checksum, 4, Log[4]);
        var peer = Assert.IsType<Send>(Assert.Single(done.Start())).To;
        done.Handle(Chosen(3, peer));
        Assert.True(done.IsDone);
        Assert.Empty(done.OnTick());
        Assert.Empty(done.OnTick());

        var halted = new AcceptorCatchUp(A, Three, 3, Log[2].Checksum, 8, Log[8]);
        halted.Start();
        halted.Handle(new ValueChosen(3, B, [42], Log[3].Checksum));
        Assert.NotNull(halted.HaltReason);
        Assert.Empty(halted.OnTick());
        Assert.Empty(halted.OnTick());
    }

    [Fact]
    public void Its_halts_say_which_instances_and_which_node()
    {
        var lone = new AcceptorCatchUp(A, new Membership([A]), 3, Log[2].Checksum, 8, Log[8]);
        Assert.Equal(NodeId.None, lone.Asked);
        Assert.Equal(
            "The acceptor lacks instances 3 to 7 and the group has no other member to fetch them from.",
            Assert.IsType<Halt>(Assert.Single(lone.Start())).Reason);

        var diverged = new AcceptorCatchUp(A, Three, 3, Log[2].Checksum, 8, Log[8]);
        diverged.Start();
        var halt = Assert.IsType<Halt>(Assert.Single(diverged.Handle(new ValueChosen(3, C, [42], Log[3].Checksum))));
        Assert.StartsWith($"Instance 3 diverged: node {C} has checksum {Log[3].Checksum:x16}", halt.Reason);
    }

    [Fact]
    public void Each_branch_counts()
    {
        using var probe = new ThreadCounterProbe();
        var catchUp = new AcceptorCatchUp(A, Three, 3, Log[2].Checksum, 8, Log[8]);
        var peer = Assert.IsType<Send>(Assert.Single(catchUp.Start())).To;
        catchUp.Handle(Chosen(3, peer));
        catchUp.Handle(Chosen(4, peer));
        catchUp.OnTick();
        catchUp.OnTick();
        catchUp.Handle(new ValueChosen(5, B, [42], Log[5].Checksum));
        new AcceptorCatchUp(A, new Membership([A]), 3, Log[2].Checksum, 8, Log[8]).Start();
        probe.Expect(
            ("acceptor_catch_up.from_peers", 2),
            ("acceptor_catch_up.learned", 2),
            ("acceptor_catch_up.peer_passed_over", 1),
            ("acceptor_catch_up.checksum_mismatch", 1),
            ("acceptor_catch_up.no_peer", 1));
    }

    [Fact]
    public void It_counts_on_the_breakpoints_it_is_given()
    {
        using var meter = new System.Diagnostics.Metrics.Meter(Breakpoints.MeterName);
        var counted = 0L;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
        listener.Start();

        new AcceptorCatchUp(A, Three, 3, Log[2].Checksum, 8, Log[8], new Breakpoints(meter)).Start();
        Assert.Equal(1, Interlocked.Read(ref counted));
    }

    [Fact]
    public void A_join_that_does_not_match_counts_as_a_checksum_mismatch()
    {
        using var probe = new ThreadCounterProbe();
        new AcceptorCatchUp(A, Three, 4, Log[3].Checksum, 4, new LogEntry([99], Log[4].Checksum)).Start();
        probe.Expect(("acceptor_catch_up.checksum_mismatch", 1));
    }

    [Fact]
    public void The_acceptor_counts_on_the_breakpoints_it_is_given()
    {
        using var meter = new System.Diagnostics.Metrics.Meter(Breakpoints.MeterName);
        var counted = 0L;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
        listener.Start();

        new Acceptor(A, AcceptorState.Initial, new Breakpoints(meter)).Handle(new Prepare(0, B, new Ballot(1, B)));
        Assert.True(Interlocked.Read(ref counted) >= 1);
    }

    private static ValueChosen Chosen(int instance, NodeId from) => new(instance, from, Log[instance].Value, Log[instance].Checksum);

    private static IEnumerable<long> Delivered(IReadOnlyList<Effect> effects) =>
        effects.OfType<Deliver>().Where(d => d.To == Role.Acceptor).Select(d => ((InstanceLearned)d.Input).Instance).ToList();
}
