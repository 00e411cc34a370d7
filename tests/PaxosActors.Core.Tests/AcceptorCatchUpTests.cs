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

    private static ValueChosen Chosen(int instance, NodeId from) => new(instance, from, Log[instance].Value, Log[instance].Checksum);

    private static IEnumerable<long> Delivered(IReadOnlyList<Effect> effects) =>
        effects.OfType<Deliver>().Where(d => d.To == Role.Acceptor).Select(d => ((InstanceLearned)d.Input).Instance).ToList();
}
