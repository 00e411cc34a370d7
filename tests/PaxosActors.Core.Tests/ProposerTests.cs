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

        // A new value starts from the configured timeout again (PhxPaxos's NewValue does too).
        p.Abandon();
        Assert.Equal(100, p.Propose([2]).OfType<StartTimer>().Single().Delay.TotalMilliseconds);
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

    [Fact]
    public void A_chosen_value_goes_to_this_node_and_the_learners_at_once_and_to_the_other_members_once_learned_here()
    {
        var d = new NodeId(4);
        var p = NewWithLearnerAndFollower(Options);
        var (b, checksum) = ChooseOwn(p, [1], out var atMajority);
        Assert.Equal([A, d], atMajority);

        // Not learned here yet: the next Accept may still carry the news.
        Assert.Empty(p.TakeAnnouncement());
        p.Handle(new InstanceLearned(0, [1], checksum));
        var later = p.TakeAnnouncement().OfType<Send>().ToList();
        Assert.Equal([B, C], later.Select(s => s.To));
        Assert.All(later.Select(s => (ValueChosen)s.Message), v => Assert.Equal((0L, A, 1, checksum), (v.Instance, v.From, v.Value.Single(), v.Checksum)));
        Assert.Empty(p.TakeAnnouncement());
        Assert.NotEqual(Ballot.Zero, b);
    }

    [Fact]
    public void With_chosen_with_next_accept_off_a_chosen_value_goes_to_every_member_and_learner_at_once()
    {
        var p = NewWithLearnerAndFollower(Options with { ChosenWithNextAccept = false });
        var (_, checksum) = ChooseOwn(p, [1], out var atMajority);
        Assert.Equal([A, B, C, new NodeId(4)], atMajority);
        p.Handle(new InstanceLearned(0, [1], checksum));
        Assert.Empty(p.TakeAnnouncement());
        Assert.All(Sent<Accept>(p.Propose([2])), a => Assert.Equal((1L, Ballot.Zero), (a.Instance, a.ChosenBallot)));
    }

    [Fact]
    public void The_next_accept_carries_the_ballot_of_the_majority_instead_of_the_value()
    {
        var p = New();
        var (b, checksum) = ChooseOwn(p, [1], out _);
        p.Handle(new InstanceLearned(0, [1], checksum));
        var accepts = p.Propose([2]).OfType<Send>().Select(s => s.Message).OfType<Accept>().ToList();
        Assert.Equal(3, accepts.Count);
        Assert.All(accepts, a => Assert.Equal((1L, b, b, checksum), (a.Instance, a.Ballot, a.ChosenBallot, a.PreviousChecksum)));
        Assert.Empty(p.TakeAnnouncement());
    }

    [Fact]
    public void An_accept_after_an_instance_chosen_by_another_ballot_announces_nothing()
    {
        var p = New();
        p.Propose([1]);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null));

        // Its accept won no majority; another proposer's value was chosen, and this one retries.
        var backOff = p.Handle(new InstanceLearned(0, [9], 77)).OfType<StartTimer>().Single();
        var prepares = p.OnTimer(backOff.Generation).OfType<Send>().Select(s => s.Message).OfType<Prepare>().ToList();
        var b2 = prepares[0].Ballot;
        p.Handle(new PrepareReply(1, A, b2, true, b2, Ballot.Zero, null));
        var accepts = p.Handle(new PrepareReply(1, B, b2, true, b2, Ballot.Zero, null)).OfType<Send>().Select(s => s.Message).OfType<Accept>().ToList();
        Assert.NotEmpty(accepts);
        Assert.All(accepts, a => Assert.Equal((1L, Ballot.Zero), (a.Instance, a.ChosenBallot)));
    }

    [Fact]
    public void An_accept_after_a_new_prepare_still_announces_the_ballot_the_previous_instance_was_chosen_with()
    {
        var p = New();
        var (b, checksum) = ChooseOwn(p, [1], out _);
        p.Handle(new InstanceLearned(0, [1], checksum));

        // The next value goes out in an accept and is given up: the ballot must be prepared anew.
        Assert.All(Sent<Accept>(p.Propose([2])), a => Assert.Equal(b, a.ChosenBallot));
        p.Abandon();
        Assert.Empty(p.TakeAnnouncement());
        var b2 = Sent<Prepare>(p.Propose([3])).First().Ballot;
        Assert.True(b2 > b);
        p.Handle(new PrepareReply(1, A, b2, true, b2, Ballot.Zero, null));
        var accepts = Sent<Accept>(p.Handle(new PrepareReply(1, B, b2, true, b2, Ballot.Zero, null))).ToList();
        Assert.All(accepts, a => Assert.Equal((b2, b), (a.Ballot, a.ChosenBallot)));
    }

    [Fact]
    public void An_accept_after_an_instance_another_ballot_won_announces_nothing_though_this_proposer_chose_the_one_before()
    {
        var p = New();
        var (b, checksum) = ChooseOwn(p, [1], out _);
        p.Handle(new InstanceLearned(0, [1], checksum));
        Assert.All(Sent<Accept>(p.Propose([2])), a => Assert.Equal((1L, b), (a.Instance, a.ChosenBallot)));

        // Another proposer's value wins instance 1: this one prepares afresh for 2.
        var backOff = p.Handle(new InstanceLearned(1, [9], 77)).OfType<StartTimer>().Single();
        var b2 = Sent<Prepare>(p.OnTimer(backOff.Generation)).First().Ballot;
        p.Handle(new PrepareReply(2, A, b2, true, b2, Ballot.Zero, null));
        var accepts = Sent<Accept>(p.Handle(new PrepareReply(2, B, b2, true, b2, Ballot.Zero, null))).ToList();
        Assert.NotEmpty(accepts);
        Assert.All(accepts, a => Assert.Equal((2L, Ballot.Zero), (a.Instance, a.ChosenBallot)));
    }

    [Fact]
    public void When_this_node_has_not_learned_its_own_choice_in_time_the_value_goes_to_every_member_and_learner()
    {
        var p = NewWithLearnerAndFollower(Options);
        p.Propose([1]);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null));
        p.Handle(new AcceptReply(0, A, b, true, b));
        var timer = p.Handle(new AcceptReply(0, B, b, true, b)).OfType<StartTimer>().Single();
        var again = p.OnTimer(timer.Generation).OfType<Send>().Where(s => s.Message is ValueChosen).Select(s => s.To);
        Assert.Equal([A, B, C, new NodeId(4)], again);
        p.Handle(new InstanceLearned(0, [1], Checksum.Next(0, [1])));
        Assert.Empty(p.TakeAnnouncement());
    }

    private static Proposer NewWithLearnerAndFollower(ProtocolOptions options) =>
        new(A, new Membership([A, B, C], followers: new Dictionary<NodeId, NodeId> { [new NodeId(5)] = A }, learners: [new NodeId(4)]), options, new SeededRandom(1), 0, 0, 0);

    private static IEnumerable<T> Sent<T>(IReadOnlyList<Effect> effects) => effects.OfType<Send>().Select(s => s.Message).OfType<T>();

    private static (Ballot Ballot, ulong Checksum) ChooseOwn(Proposer p, byte[] value, out List<NodeId> announcedTo)
    {
        p.Propose(value);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null));
        p.Handle(new AcceptReply(0, A, b, true, b));
        var sends = p.Handle(new AcceptReply(0, B, b, true, b)).OfType<Send>().Where(s => s.Message is ValueChosen).ToList();
        announcedTo = sends.Select(s => s.To).ToList();
        return (b, ((ValueChosen)sends[0].Message).Checksum);
    }

    private static (Ballot Ballot, ulong Checksum) ChooseOwn(Proposer p, byte[] value) => ChooseOwn(p, value, out _);
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

/// <summary>Findings of the mutation run (docs/testing.md, "Mutation testing"): the edges of each rule.</summary>
public sealed class ProposerEdgeTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3), Stranger = new(9);
    private static readonly Membership Three = new([A, B, C]);

    private static readonly ProtocolOptions Options = new()
    {
        PrepareTimeout = TimeSpan.FromMilliseconds(100),
        AcceptTimeout = TimeSpan.FromMilliseconds(150),
        MaxRoundTimeout = TimeSpan.FromMilliseconds(1000),
        BackoffMin = TimeSpan.FromMilliseconds(20),
        BackoffMax = TimeSpan.FromMilliseconds(21),
    };

    private static Proposer New(ProtocolOptions? options = null) => new(A, Three, options ?? Options, new SeededRandom(1), 0, 0, 0);

    private static IEnumerable<T> Sent<T>(IEnumerable<Effect> effects) => effects.OfType<Send>().Select(s => s.Message).OfType<T>();

    [Fact]
    public void Replies_from_strangers_for_other_ballots_or_instances_or_out_of_phase_count_for_nothing()
    {
        var p = New();
        p.Propose([1]);
        var b = p.Ballot;
        Assert.Empty(p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null)));
        Assert.Empty(p.Handle(new PrepareReply(0, Stranger, b, true, b, Ballot.Zero, null)));
        Assert.Empty(p.Handle(new PrepareReply(0, B, new Ballot(b.ProposalId + 1, A), true, b, Ballot.Zero, null)));
        Assert.Empty(p.Handle(new PrepareReply(1, B, b, true, b, Ballot.Zero, null)));
        Assert.Empty(p.Handle(new AcceptReply(0, B, b, true, b)));

        var accepts = Sent<Accept>(p.Handle(new PrepareReply(0, C, b, true, b, Ballot.Zero, null))).ToList();
        Assert.Equal(3, accepts.Count);
        Assert.All(accepts, a => Assert.Equal((0L, A, b, 0UL), (a.Instance, a.From, a.Ballot, a.PreviousChecksum)));
        Assert.Equal([1], accepts[0].Value);

        Assert.Empty(p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null)));
        Assert.Empty(p.Handle(new AcceptReply(0, A, b, true, b)));
        Assert.Empty(p.Handle(new AcceptReply(0, Stranger, b, true, b)));
        Assert.Empty(p.Handle(new AcceptReply(0, B, new Ballot(b.ProposalId + 1, A), true, b)));
        Assert.Empty(p.Handle(new AcceptReply(1, B, b, true, b)));
        // The value goes to this node at once; the others hear of it with the next Accept.
        var chosen = Sent<ValueChosen>(p.Handle(new AcceptReply(0, C, b, true, b))).ToList();
        Assert.Single(chosen);
        Assert.All(chosen, v => Assert.Equal((0L, A, Checksum.Next(0, [1])), (v.Instance, v.From, v.Checksum)));
    }

    [Fact]
    public void A_reject_from_its_own_acceptor_backs_off_at_once_and_one_other_reject_does_not()
    {
        var p = New();
        p.Propose([1]);
        var b = p.Ballot;
        Assert.Empty(p.Handle(new PrepareReply(0, B, b, false, new Ballot(4, B), Ballot.Zero, null)));
        var backOff = Assert.IsType<StartTimer>(Assert.Single(p.Handle(new PrepareReply(0, A, b, false, new Ballot(2, C), Ballot.Zero, null))));
        Assert.Equal(20, backOff.Delay.TotalMilliseconds);

        // The retry outbids the highest promise any reject named.
        var prepare = Sent<Prepare>(p.OnTimer(backOff.Generation)).First();
        Assert.Equal(new Ballot(5, A), prepare.Ballot);
    }

    [Fact]
    public void Accept_rejects_back_off_only_from_a_majority_and_the_retry_prepares_above_them()
    {
        var p = New();
        p.Propose([1]);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null));
        Assert.Empty(p.Handle(new AcceptReply(0, B, b, false, new Ballot(7, C))));
        var backOff = Assert.IsType<StartTimer>(Assert.Single(p.Handle(new AcceptReply(0, C, b, false, new Ballot(6, C)))));
        Assert.Equal(20, backOff.Delay.TotalMilliseconds);
        var retry = p.OnTimer(backOff.Generation);
        Assert.Equal(new Ballot(8, A), Sent<Prepare>(retry).First().Ballot);
        Assert.Equal(100, retry.OfType<StartTimer>().Single().Delay.TotalMilliseconds);
    }

    [Fact]
    public void A_successful_round_resets_both_timeouts_to_their_base()
    {
        var p = New();
        var first = Assert.Single(p.Propose([1]).OfType<StartTimer>());
        Assert.Equal(100, first.Delay.TotalMilliseconds);
        var backOff = Assert.Single(p.OnTimer(first.Generation).OfType<StartTimer>());
        var second = p.OnTimer(backOff.Generation);
        Assert.Equal(200, second.OfType<StartTimer>().Single().Delay.TotalMilliseconds);

        // Prepare succeeds: the accept round times out once, so its timeout doubles.
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        var accept = p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null)).OfType<StartTimer>().Single();
        Assert.Equal(150, accept.Delay.TotalMilliseconds);
        backOff = Assert.Single(p.OnTimer(accept.Generation).OfType<StartTimer>());

        // The prepare after it starts from the base timeout again.
        var third = p.OnTimer(backOff.Generation);
        Assert.Equal(100, third.OfType<StartTimer>().Single().Delay.TotalMilliseconds);
        b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        Assert.Equal(300, p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null)).OfType<StartTimer>().Single().Delay.TotalMilliseconds);
        p.Handle(new AcceptReply(0, A, b, true, b));
        var chosen = p.Handle(new AcceptReply(0, B, b, true, b));
        Assert.Equal(150, chosen.OfType<StartTimer>().Single().Delay.TotalMilliseconds);
    }

    [Fact]
    public void Waiting_to_learn_its_choice_it_announces_it_again_on_each_timer_even_after_an_abandon()
    {
        var p = New();
        p.Propose([1]);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null));
        p.Handle(new AcceptReply(0, A, b, true, b));
        var timer = p.Handle(new AcceptReply(0, B, b, true, b)).OfType<StartTimer>().Single();
        p.Abandon();
        Assert.False(p.IsBusy);
        var again = p.OnTimer(timer.Generation);
        Assert.Equal([A, B, C], again.OfType<Send>().Where(s => s.Message is ValueChosen { Instance: 0 }).Select(s => s.To));
        var next = again.OfType<StartTimer>().Single();
        Assert.Equal(150, next.Delay.TotalMilliseconds);
        Assert.Empty(p.OnTimer(timer.Generation));

        // Once learned, the timer is dead.
        Assert.Empty(p.Handle(new InstanceLearned(0, [1], Checksum.Next(0, [1]))));
        Assert.Empty(p.OnTimer(next.Generation));
    }

    [Fact]
    public void An_abandon_before_the_decision_kills_the_round_timer()
    {
        var p = New();
        var timer = p.Propose([1]).OfType<StartTimer>().Single();
        p.Abandon();
        Assert.Empty(p.OnTimer(timer.Generation));
        Assert.Empty(p.OnTimer(timer.Generation + 1));
        Assert.False(p.OwnValueMayBeChosen);
        Assert.Contains(p.Propose([2]), e => e is Send { Message: Prepare });
    }

    [Fact]
    public void It_proposes_one_value_at_a_time_and_takes_only_its_own_inputs()
    {
        var p = New();
        Assert.False(p.IsBusy);
        p.Propose([1]);
        Assert.True(p.IsBusy);
        Assert.Throws<InvalidOperationException>(() => p.Propose([2]));
        Assert.Throws<ArgumentException>(() => p.Handle(new AskForLearn(0, B)));
    }

    [Fact]
    public void Its_own_value_chosen_through_another_node_is_reported_with_the_instance()
    {
        var p = New();
        p.Propose([1, 2]);
        Assert.Empty(p.Handle(new InstanceLearned(1, [1, 2], 5)));
        var chosen = p.Handle(new InstanceLearned(0, [1, 2], 5));
        Assert.Equal(new ProposalChosen(0), Assert.Single(chosen));
        Assert.False(p.IsBusy);
        Assert.Equal((1L, 5UL), (p.Instance, p.PreviousChecksum));
    }

    [Fact]
    public void Having_adopted_a_value_and_chosen_it_the_proposer_goes_on_at_once_with_its_own_at_the_same_ballot()
    {
        var p = New();
        p.Propose([1]);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        p.Handle(new PrepareReply(0, B, b, true, b, new Ballot(1, C), [9]));
        p.Handle(new AcceptReply(0, A, b, true, b));
        p.Handle(new AcceptReply(0, B, b, true, b));
        var next = p.Handle(new InstanceLearned(0, [9], Checksum.Next(0, [9])));
        var accept = Sent<Accept>(next).First();
        Assert.Equal((1L, b), (accept.Instance, accept.Ballot));
        Assert.Equal([1], accept.Value);
        Assert.True(p.OwnValueMayBeChosen);
    }

    [Fact]
    public void A_value_that_never_went_out_in_an_accept_is_not_in_conflict_however_many_instances_pass()
    {
        var p = New(Options with { MaxConflictRetries = 0 });
        p.Propose([1]);
        var checksum = Checksum.Initial;
        for (var i = 0; i < 3; i++)
        {
            checksum = Checksum.Next(checksum, [9]);
            Assert.DoesNotContain(p.Handle(new InstanceLearned(i, [9], checksum)), e => e is ProposalFailed);
        }

        Assert.True(p.IsBusy);
    }

    [Fact]
    public void With_the_ballot_equality_bug_it_keeps_its_ballot_after_learning_another_value()
    {
        var p = New(Options with { Bugs = DeliberateBugs.BallotEqualityLearning });
        p.Propose([1]);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null));
        var next = p.Handle(new InstanceLearned(0, [9], Checksum.Next(0, [9])));
        Assert.Equal((1L, b), Sent<Accept>(next).Select(a => (a.Instance, a.Ballot)).First());
    }

    [Fact]
    public void With_the_abandon_keeps_ballot_bug_the_next_value_skips_prepare()
    {
        var p = New(Options with { Bugs = DeliberateBugs.AbandonKeepsBallot });
        p.Propose([1]);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null));
        p.Abandon();
        Assert.Equal(b, Sent<Accept>(p.Propose([2])).First().Ballot);

        var fixedOne = New();
        fixedOne.Propose([1]);
        b = fixedOne.Ballot;
        fixedOne.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        fixedOne.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null));
        fixedOne.Abandon();
        Assert.True(Sent<Prepare>(fixedOne.Propose([2])).First().Ballot > b);
    }

    [Fact]
    public void A_timer_of_an_abandoned_round_never_fires_into_the_next_one()
    {
        var p = New();
        var old = p.Propose([1]).OfType<StartTimer>().Single();
        p.Abandon();
        var fresh = p.Propose([2]).OfType<StartTimer>().Single();
        Assert.NotEqual(old.Generation, fresh.Generation);
        Assert.Empty(p.OnTimer(old.Generation));
        Assert.NotEmpty(p.OnTimer(fresh.Generation));
    }

    [Fact]
    public void The_timer_of_an_instance_learned_never_fires_into_the_next_round()
    {
        var p = New();
        p.Propose([1]);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null));
        p.Handle(new AcceptReply(0, A, b, true, b));
        var awaiting = p.Handle(new AcceptReply(0, B, b, true, b)).OfType<StartTimer>().Single();
        p.Handle(new InstanceLearned(0, [1], Checksum.Next(0, [1])));
        var next = p.Propose([2]).OfType<StartTimer>().Single();
        Assert.NotEqual(awaiting.Generation, next.Generation);
        Assert.Empty(p.OnTimer(awaiting.Generation));
    }

    [Fact]
    public void An_abandoned_proposer_that_learns_another_value_stays_idle()
    {
        var p = New();
        p.Propose([1]);
        p.Abandon();
        using var probe = new ThreadCounterProbe();
        Assert.Empty(p.Handle(new InstanceLearned(0, [9], Checksum.Next(0, [9]))));
        probe.Expect(("proposer.conflict.retry", 0));
        Assert.Contains(p.Propose([2]), e => e is Send { Message: Prepare { Instance: 1 } });
    }

    [Fact]
    public void Rejects_of_an_accept_round_do_not_count_in_the_next_prepare_round()
    {
        var p = New();
        p.Propose([1]);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        var timer = p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null)).OfType<StartTimer>().Single();
        Assert.Empty(p.Handle(new AcceptReply(0, C, b, false, new Ballot(2, C))));
        var backOff = p.OnTimer(timer.Generation).OfType<StartTimer>().Single();
        p.OnTimer(backOff.Generation);
        b = p.Ballot;
        Assert.Empty(p.Handle(new PrepareReply(0, B, b, false, new Ballot(4, B), Ballot.Zero, null)));
    }

    [Fact]
    public void Rejects_of_a_prepare_round_do_not_count_in_its_accept_round()
    {
        var p = New();
        p.Propose([1]);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, C, b, false, new Ballot(1, C), Ballot.Zero, null));
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null));
        Assert.Empty(p.Handle(new AcceptReply(0, B, b, false, new Ballot(3, B))));
    }

    [Fact]
    public void One_reject_in_an_accept_round_that_still_chooses_ends_skipping_prepare()
    {
        var p = New();
        p.Propose([1]);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null));
        p.Handle(new AcceptReply(0, B, b, false, new Ballot(3, B)));
        p.Handle(new AcceptReply(0, A, b, true, b));
        Assert.Contains(p.Handle(new AcceptReply(0, C, b, true, b)), e => e is Send { Message: ValueChosen });
        p.Handle(new InstanceLearned(0, [1], Checksum.Next(0, [1])));
        var next = p.Propose([2]);
        var prepare = next.OfType<Send>().Select(s => s.Message).OfType<Prepare>().First();
        Assert.True(prepare.Ballot > b);
        Assert.DoesNotContain(next, e => e is Send { Message: Accept });
    }
}
