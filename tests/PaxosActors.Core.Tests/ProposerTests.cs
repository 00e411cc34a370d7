namespace PaxosActors.Core.Tests;

/// <summary>The proposer's rules: prepare, adopt, skip prepare, back off, retry.</summary>
public sealed class ProposerTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);
    private static readonly Membership Three = new([A, B, C]);
    private static readonly ProtocolOptions Options = new();

    private static Proposer New(long startAbove = 0) => new(A, Three, Options, new SeededRandom(1), 0, 0, startAbove);

    [Fact]
    public void It_prepares_above_its_own_recovered_promise()
    {
        var effects = New(startAbove: 7).Propose([1]);
        var prepares = effects.OfType<Send>().Select(s => s.Message).OfType<Prepare>().ToList();
        Assert.Equal(3, prepares.Count);
        Assert.All(prepares, p => Assert.Equal(new Ballot(8, A), p.Ballot));
        Assert.Single(effects.OfType<StartTimer>());
    }

    [Fact]
    public void It_adopts_the_highest_accepted_value_from_the_promises()
    {
        var p = New();
        p.Propose([1]);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        var effects = p.Handle(new PrepareReply(0, B, b, true, b, new Ballot(0, C), [9]));
        var accept = effects.OfType<Send>().Select(s => s.Message).OfType<Accept>().First();
        Assert.Equal([9], accept.Value);
    }

    [Fact]
    public void It_needs_its_own_promise_among_the_majority()
    {
        var p = New();
        p.Propose([1]);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null));
        Assert.Empty(p.Handle(new PrepareReply(0, C, b, true, b, Ballot.Zero, null)));
        Assert.Contains(p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null)), e => e is Send { Message: Accept });
    }

    [Fact]
    public void After_choosing_it_skips_prepare_for_the_next_instance_with_the_same_ballot()
    {
        var p = New();
        var chosen = ChooseOwn(p, [1]);
        p.Handle(new InstanceLearned(0, [1], chosen.Checksum));
        var effects = p.Propose([2]);
        var accept = effects.OfType<Send>().Select(s => s.Message).OfType<Accept>().First();
        Assert.Equal(1, accept.Instance);
        Assert.Equal(chosen.Ballot, accept.Ballot);
        Assert.Equal(chosen.Checksum, accept.PreviousChecksum);
    }

    [Fact]
    public void After_learning_an_instance_it_did_not_choose_it_prepares_a_higher_ballot()
    {
        var p = New();
        ChooseOwn(p, [1]);
        p.Handle(new InstanceLearned(0, [1], Checksum.Next(0, [1])));
        p.Propose([2]);
        var first = p.Ballot;
        var backOff = p.Handle(new InstanceLearned(1, [5], Checksum.Next(Checksum.Next(0, [1]), [5]))).OfType<StartTimer>().Single();
        var prepare = p.OnTimer(backOff.Generation).OfType<Send>().Select(s => s.Message).OfType<Prepare>().First();
        Assert.Equal(2, prepare.Instance);
        Assert.True(prepare.Ballot > first);
    }

    [Fact]
    public void A_reject_from_a_majority_backs_off_between_10_and_40_ms_then_prepares_higher()
    {
        var p = New();
        p.Propose([1]);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, B, b, false, new Ballot(6, C), Ballot.Zero, null));
        var backOff = Assert.IsType<StartTimer>(Assert.Single(p.Handle(new PrepareReply(0, C, b, false, new Ballot(6, C), Ballot.Zero, null))));
        Assert.InRange(backOff.Delay.TotalMilliseconds, 10, 39);
        var prepare = p.OnTimer(backOff.Generation).OfType<Send>().Select(s => s.Message).OfType<Prepare>().First();
        Assert.Equal(new Ballot(7, A), prepare.Ballot);
    }

    [Fact]
    public void Round_timeouts_double_up_to_the_cap()
    {
        var options = Options with { PrepareTimeout = TimeSpan.FromMilliseconds(100), MaxRoundTimeout = TimeSpan.FromMilliseconds(300) };
        var p = new Proposer(A, Three, options, new SeededRandom(1), 0, 0, 0);
        var delays = new List<double>();
        var timer = p.Propose([1]).OfType<StartTimer>().Single();
        for (var i = 0; i < 4; i++)
        {
            delays.Add(timer.Delay.TotalMilliseconds);
            var backOff = p.OnTimer(timer.Generation).OfType<StartTimer>().Single();
            timer = p.OnTimer(backOff.Generation).OfType<StartTimer>().Single();
        }

        Assert.Equal([100, 200, 300, 300], delays);
    }

    [Fact]
    public void A_value_that_keeps_losing_in_accept_fails_with_conflict_after_the_retries()
    {
        var options = Options with { MaxConflictRetries = 2 };
        var p = new Proposer(A, Three, options, new SeededRandom(1), 0, 0, 0);
        var checksum = Checksum.Initial;
        var effects = p.Propose([1]);
        for (var i = 0; i < 3; i++)
        {
            // Each round gets its own value out in an accept, then another value wins.
            var b = p.Ballot;
            p.Handle(new PrepareReply(i, A, b, true, b, Ballot.Zero, null));
            Assert.Contains(p.Handle(new PrepareReply(i, B, b, true, b, Ballot.Zero, null)), e => e is Send { Message: Accept });
            checksum = Checksum.Next(checksum, [9]);
            effects = p.Handle(new InstanceLearned(i, [9], checksum));
            if (i < 2)
            {
                effects = p.OnTimer(effects.OfType<StartTimer>().Single().Generation);
            }
        }

        Assert.Equal(new ProposalFailed(ProposalFailure.Conflict), Assert.Single(effects));
        Assert.False(p.IsBusy);
    }

    [Fact]
    public void Instances_learned_while_catching_up_are_not_conflicts_and_do_not_postpone_the_retry()
    {
        var options = Options with { MaxConflictRetries = 0 };
        var p = new Proposer(A, Three, options, new SeededRandom(1), 0, 0, 0);
        p.Propose([1]);
        var checksum = Checksum.Initial;
        StartTimer? backOff = null;
        for (var i = 0; i < 20; i++)
        {
            checksum = Checksum.Next(checksum, [9]);
            var effects = p.Handle(new InstanceLearned(i, [9], checksum));
            if (i == 0)
            {
                backOff = Assert.IsType<StartTimer>(Assert.Single(effects));
            }
            else
            {
                // One back-off, not re-armed: another node deciding instance after instance
                // must not starve this proposer.
                Assert.Empty(effects);
            }
        }

        Assert.True(p.IsBusy);
        var retry = p.OnTimer(backOff!.Generation);
        Assert.Contains(retry.OfType<Send>(), s => s.Message is Prepare { Instance: 20 });
    }

    private static (Ballot Ballot, ulong Checksum) ChooseOwn(Proposer p, byte[] value)
    {
        p.Propose(value);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null));
        p.Handle(new AcceptReply(0, A, b, true, b));
        var effects = p.Handle(new AcceptReply(0, B, b, true, b));
        var chosen = effects.OfType<Send>().Select(s => s.Message).OfType<ValueChosen>().First();
        return (b, chosen.Checksum);
    }
}

public sealed class ProposerOutcomeTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);

    [Fact]
    public void The_own_value_may_be_chosen_only_once_it_went_out_in_an_accept_for_the_open_instance()
    {
        var p = new Proposer(A, new Membership([A, B, C]), new ProtocolOptions(), new SeededRandom(1), 0, 0, 0);
        p.Propose([1]);
        Assert.False(p.OwnValueMayBeChosen);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null));
        Assert.True(p.OwnValueMayBeChosen);
        p.Handle(new InstanceLearned(0, [9], Checksum.Next(0, [9])));
        Assert.False(p.OwnValueMayBeChosen);
    }
}
