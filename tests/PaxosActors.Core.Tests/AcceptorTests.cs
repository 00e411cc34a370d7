namespace PaxosActors.Core.Tests;

/// <summary>The acceptor's rules, one sentence each.</summary>
public sealed class AcceptorTests
{
    private static readonly NodeId Self = new(1), P = new(2), Q = new(3);

    [Fact]
    public void It_promises_a_ballot_at_least_its_promise_and_replies_only_after_the_write()
    {
        var acceptor = new Acceptor(Self, AcceptorState.Initial);
        var effects = acceptor.Handle(new Prepare(0, P, new Ballot(1, P)));
        var persist = Assert.IsType<PersistThenSend>(Assert.Single(effects));
        Assert.Equal(new Promised(new Ballot(1, P)), persist.Event);
        Assert.False(persist.MayWait, "a promise is answered once written: it never waits for a later write");
        var reply = Assert.IsType<PrepareReply>(Assert.Single(persist.Replies).Message);
        Assert.True(reply.Ok);
    }

    [Fact]
    public void Its_read_index_is_past_an_accepted_value_and_at_its_instance_otherwise()
    {
        var acceptor = new Acceptor(Self, AcceptorState.Initial with { Instance = 7, PreviousChecksum = 3 });
        Assert.Equal(7, acceptor.ReadIndex);
        acceptor.Handle(new Prepare(7, P, new Ballot(1, P)));
        Assert.Equal(7, acceptor.ReadIndex);
        acceptor.Handle(new Accept(7, P, new Ballot(1, P), [1], 3));
        Assert.Equal(8, acceptor.ReadIndex);
    }

    [Fact]
    public void It_rejects_a_lower_ballot_with_its_promise()
    {
        var acceptor = new Acceptor(Self, AcceptorState.Initial with { Promised = new Ballot(5, Q) });
        var persist = Assert.IsType<PersistThenSend>(Assert.Single(acceptor.Handle(new Prepare(0, P, new Ballot(4, P)))));
        var reply = Assert.IsType<PrepareReply>(Assert.Single(persist.Replies).Message);
        Assert.False(reply.Ok);
        Assert.Equal(new Ballot(5, Q), reply.Promised);
        Assert.Null(persist.Event);
    }

    [Fact]
    public void The_promise_carries_across_instances()
    {
        var acceptor = new Acceptor(Self, AcceptorState.Initial);
        acceptor.Handle(new Prepare(0, P, new Ballot(3, P)));
        acceptor.Handle(new InstanceLearned(0, [1], Checksum.Next(0, [1])));
        var persist = Assert.IsType<PersistThenSend>(Assert.Single(acceptor.Handle(new Accept(1, Q, new Ballot(2, Q), [2], Checksum.Next(0, [1])))));
        Assert.False(Assert.IsType<AcceptReply>(Assert.Single(persist.Replies).Message).Ok);
    }

    [Fact]
    public void A_promise_reports_the_value_accepted_in_the_instance()
    {
        var acceptor = new Acceptor(Self, AcceptorState.Initial);
        acceptor.Handle(new Accept(0, P, new Ballot(1, P), [7], 0));
        var persist = Assert.IsType<PersistThenSend>(Assert.Single(acceptor.Handle(new Prepare(0, Q, new Ballot(2, Q)))));
        var reply = Assert.IsType<PrepareReply>(Assert.Single(persist.Replies).Message);
        Assert.Equal(new Ballot(1, P), reply.AcceptedBallot);
        Assert.Equal([7], reply.AcceptedValue!);
    }

    [Fact]
    public void An_accept_whose_previous_checksum_differs_gets_no_vote_and_halts_nothing()
    {
        var acceptor = new Acceptor(Self, AcceptorState.Initial);
        acceptor.Handle(new InstanceLearned(0, [1], Checksum.Next(0, [1])));
        var dropped = Assert.IsType<Dropped>(Assert.Single(acceptor.Handle(new Accept(1, P, new Ballot(1, P), [2], 12345))));
        Assert.Equal("previous_checksum_mismatch", dropped.Reason);
        Assert.Null(acceptor.State.AcceptedValue);
    }

    [Fact]
    public void Recovery_stops_before_a_gap_in_the_chosen_instances()
    {
        // InstanceChosen(1) failed to write while InstanceChosen(2) landed.
        AcceptorEvent[] events = [new InstanceChosen(0, [1], 7), new InstanceChosen(2, [3], 9), new Promised(new Ballot(3, P))];
        var state = Acceptor.Recover(events);
        Assert.Equal((1L, 7UL), (state.Instance, state.PreviousChecksum));
        Assert.Equal(new Ballot(3, P), state.Promised);
    }

    [Fact]
    public void Recovery_rebuilds_promise_accepted_value_and_instance()
    {
        AcceptorEvent[] events =
        [
            new Promised(new Ballot(2, P)),
            new Accepted(0, new Ballot(2, P), [1]),
            new InstanceChosen(0, [1], 99),
            new Promised(new Ballot(4, Q)),
            new Accepted(1, new Ballot(4, Q), [2]),
        ];
        var state = Acceptor.Recover(events);
        Assert.Equal(1, state.Instance);
        Assert.Equal(new Ballot(4, Q), state.Promised);
        Assert.Equal(new Ballot(4, Q), state.AcceptedBallot);
        Assert.Equal([2], state.AcceptedValue!);
        Assert.Equal(99UL, state.PreviousChecksum);
    }
}

/// <summary>Findings of the mutation run (docs/testing.md, "Mutation testing"): the edges of each rule.</summary>
public sealed class AcceptorEdgeTests
{
    private static readonly NodeId Self = new(1), P = new(2), Q = new(3);

    [Fact]
    public void A_repeated_prepare_at_the_promised_ballot_is_promised_again_without_a_write()
    {
        var acceptor = new Acceptor(Self, AcceptorState.Initial);
        acceptor.Handle(new Prepare(0, P, new Ballot(3, P)));
        var persist = Assert.IsType<PersistThenSend>(Assert.Single(acceptor.Handle(new Prepare(0, P, new Ballot(3, P)))));
        Assert.Null(persist.Event);
        var reply = Assert.IsType<PrepareReply>(Assert.Single(persist.Replies).Message);
        Assert.True(reply.Ok);
        Assert.Equal((0L, Self, new Ballot(3, P), new Ballot(3, P)), (reply.Instance, reply.From, reply.Ballot, reply.Promised));
        Assert.Equal(P, Assert.Single(persist.Replies).To);
    }

    [Fact]
    public void An_accept_at_the_promised_ballot_is_accepted_once_and_a_repeat_writes_nothing()
    {
        var acceptor = new Acceptor(Self, AcceptorState.Initial);
        acceptor.Handle(new Prepare(0, P, new Ballot(3, P)));
        var first = Assert.IsType<PersistThenSend>(Assert.Single(acceptor.Handle(new Accept(0, P, new Ballot(3, P), [5], 0))));
        var accepted = Assert.IsType<Accepted>(first.Event);
        Assert.Equal((0L, new Ballot(3, P)), (accepted.Instance, accepted.Ballot));
        Assert.Equal([5], accepted.Value);
        var reply = Assert.IsType<AcceptReply>(Assert.Single(first.Replies).Message);
        Assert.Equal((0L, Self, new Ballot(3, P), true, new Ballot(3, P)), (reply.Instance, reply.From, reply.Ballot, reply.Ok, reply.Promised));
        Assert.Equal(P, Assert.Single(first.Replies).To);
        Assert.Equal(new Ballot(3, P), acceptor.State.AcceptedBallot);
        Assert.Equal([5], acceptor.State.AcceptedValue!);

        var again = Assert.IsType<PersistThenSend>(Assert.Single(acceptor.Handle(new Accept(0, P, new Ballot(3, P), [5], 0))));
        Assert.Null(again.Event);
        Assert.True(Assert.IsType<AcceptReply>(Assert.Single(again.Replies).Message).Ok);
    }

    [Fact]
    public void An_accept_above_the_promise_raises_the_promise_with_it()
    {
        var acceptor = new Acceptor(Self, AcceptorState.Initial);
        acceptor.Handle(new Prepare(0, P, new Ballot(2, P)));
        acceptor.Handle(new Accept(0, Q, new Ballot(4, Q), [1], 0));
        Assert.Equal(new Ballot(4, Q), acceptor.State.Promised);
        var reply = Assert.IsType<PrepareReply>(Assert.Single(Assert.IsType<PersistThenSend>(Assert.Single(acceptor.Handle(new Prepare(0, P, new Ballot(3, P))))).Replies).Message);
        Assert.False(reply.Ok);
        Assert.Equal(new Ballot(4, Q), reply.Promised);
        Assert.Equal(Ballot.Zero, reply.AcceptedBallot);
        Assert.Null(reply.AcceptedValue);
    }

    [Fact]
    public void A_rejected_accept_names_the_blocking_promise_and_writes_nothing()
    {
        var acceptor = new Acceptor(Self, AcceptorState.Initial with { Promised = new Ballot(5, Q) });
        var persist = Assert.IsType<PersistThenSend>(Assert.Single(acceptor.Handle(new Accept(0, P, new Ballot(4, P), [1], 0))));
        Assert.Null(persist.Event);
        var reply = Assert.IsType<AcceptReply>(Assert.Single(persist.Replies).Message);
        Assert.Equal((0L, Self, new Ballot(4, P), false, new Ballot(5, Q)), (reply.Instance, reply.From, reply.Ballot, reply.Ok, reply.Promised));
        Assert.Equal(P, Assert.Single(persist.Replies).To);
        Assert.Null(acceptor.State.AcceptedValue);
    }

    [Fact]
    public void A_prepare_for_another_instance_is_dropped_and_changes_nothing()
    {
        var acceptor = new Acceptor(Self, AcceptorState.Initial);
        Assert.Equal("acceptor_elsewhere", Assert.IsType<Dropped>(Assert.Single(acceptor.Handle(new Prepare(1, P, new Ballot(3, P))))).Reason);
        Assert.Equal(AcceptorState.Initial, acceptor.State);
    }

    [Fact]
    public void Learning_moves_to_the_next_instance_writes_the_choice_and_ignores_other_instances()
    {
        var acceptor = new Acceptor(Self, AcceptorState.Initial);
        acceptor.Handle(new Accept(0, P, new Ballot(1, P), [1], 0));
        Assert.Empty(acceptor.Handle(new InstanceLearned(1, [2], 7)));
        Assert.Equal(0, acceptor.State.Instance);

        // It accepted the chosen value: the record refers to that accept instead of storing the value again.
        var persist = Assert.IsType<PersistThenSend>(Assert.Single(acceptor.Handle(new InstanceLearned(0, [1], 7))));
        Assert.Equal(new ChosenAccepted(0, new Ballot(1, P), 7), persist.Event);
        Assert.Empty(persist.Replies);
        Assert.True(persist.MayWait, "nobody waits for a chosen record: it may ride with the next write");
        Assert.Equal((1L, 7UL, Ballot.Zero), (acceptor.State.Instance, acceptor.State.PreviousChecksum, acceptor.State.AcceptedBallot));
        Assert.Null(acceptor.State.AcceptedValue);
        Assert.Equal(new Ballot(1, P), acceptor.State.Promised);
    }

    [Fact]
    public void A_chosen_value_it_did_not_accept_is_written_whole()
    {
        var acceptor = new Acceptor(Self, AcceptorState.Initial);
        acceptor.Handle(new Accept(0, P, new Ballot(1, P), [1], 0));
        var persist = Assert.IsType<PersistThenSend>(Assert.Single(acceptor.Handle(new InstanceLearned(0, [1, 2], 7))));
        var chosen = Assert.IsType<InstanceChosen>(persist.Event);
        Assert.Equal((0L, 7UL), (chosen.Instance, chosen.Checksum));
        Assert.Equal([1, 2], chosen.Value);

        var fresh = new Acceptor(Self, AcceptorState.Initial);
        Assert.Equal([9], Assert.IsType<InstanceChosen>(Assert.IsType<PersistThenSend>(Assert.Single(fresh.Handle(new InstanceLearned(0, [9], 7)))).Event).Value);
        Assert.Equal(1, fresh.State.Instance);
    }

    [Fact]
    public void An_accept_with_another_previous_checksum_leaves_the_promise_and_the_accepted_value_alone()
    {
        var acceptor = new Acceptor(Self, AcceptorState.Initial with { Instance = 3, PreviousChecksum = 0xab });
        var dropped = Assert.IsType<Dropped>(Assert.Single(acceptor.Handle(new Accept(3, P, new Ballot(1, P), [2], 0xcd))));
        Assert.Equal("previous_checksum_mismatch", dropped.Reason);
        Assert.Equal(AcceptorState.Initial with { Instance = 3, PreviousChecksum = 0xab }, acceptor.State);
    }

    [Fact]
    public void It_takes_only_its_own_inputs()
    {
        Assert.Throws<ArgumentException>(() => new Acceptor(Self, AcceptorState.Initial).Handle(new AskForLearn(0, P)));
    }

    [Fact]
    public void Recovery_keeps_the_highest_promise_and_ignores_an_accept_of_a_past_instance()
    {
        AcceptorEvent[] events =
        [
            new Promised(new Ballot(5, P)),
            new Promised(new Ballot(3, Q)),
            new InstanceChosen(0, [1], 9),
            new Accepted(0, new Ballot(6, Q), [4]),
            new InstanceChosen(0, [1], 10),
            new SessionStarted(4),
            new SessionStarted(2),
        ];
        var state = Acceptor.Recover(events);
        Assert.Equal(new Ballot(6, Q), state.Promised);
        Assert.Equal(Ballot.Zero, state.AcceptedBallot);
        Assert.Null(state.AcceptedValue);
        Assert.Equal((1L, 9UL, 4L), (state.Instance, state.PreviousChecksum, state.Session));
    }

    [Fact]
    public void With_the_ballot_equality_bug_only_a_next_instance_at_its_own_accepted_ballot_teaches_its_value()
    {
        var state = AcceptorState.Initial with { Instance = 2, PreviousChecksum = 5, AcceptedBallot = new Ballot(1, P), AcceptedValue = [7] };
        var buggy = new Acceptor(Self, state, DeliberateBugs.BallotEqualityLearning);
        var send = Assert.IsType<Send>(Assert.Single(buggy.Handle(new NextInstanceSeen(3, new Ballot(1, P)))));
        var chosen = Assert.IsType<ValueChosen>(send.Message);
        Assert.Equal((Self, 2L, Self, Checksum.Next(5, [7])), (send.To, chosen.Instance, chosen.From, chosen.Checksum));
        Assert.Equal([7], chosen.Value);

        Assert.Empty(buggy.Handle(new NextInstanceSeen(4, new Ballot(1, P))));
        Assert.Empty(buggy.Handle(new NextInstanceSeen(2, new Ballot(1, P))));
        Assert.Empty(buggy.Handle(new NextInstanceSeen(3, new Ballot(2, P))));
        Assert.Empty(new Acceptor(Self, state with { AcceptedValue = null }, DeliberateBugs.BallotEqualityLearning).Handle(new NextInstanceSeen(3, new Ballot(1, P))));
        Assert.Empty(new Acceptor(Self, state).Handle(new NextInstanceSeen(3, new Ballot(1, P))));
    }

    [Fact]
    public void Deliberate_bugs_forget_the_promise_and_reply_before_the_write()
    {
        var state = Acceptor.Recover([new Promised(new Ballot(5, P)), new Accepted(0, new Ballot(2, Q), [1])], DeliberateBugs.ForgetPromiseOnRestart);
        Assert.Equal(new Ballot(2, Q), state.Promised);

        var acceptor = new Acceptor(Self, AcceptorState.Initial, DeliberateBugs.ReplyBeforePersist);
        var effects = acceptor.Handle(new Prepare(0, P, new Ballot(3, P)));
        Assert.IsType<Send>(effects[0]);
        Assert.Equal(new Promised(new Ballot(3, P)), Assert.IsType<PersistThenSend>(effects[1]).Event);
        Assert.Equal(2, effects.Count);
        Assert.IsType<Send>(Assert.Single(acceptor.Handle(new Prepare(0, P, new Ballot(3, P)))));
    }
}

public sealed class AcceptorInstanceGuardTests
{
    [Fact]
    public void An_acceptor_that_is_behind_the_log_ignores_accepts_for_later_instances()
    {
        var acceptor = new Acceptor(new NodeId(1), AcceptorState.Initial);
        var effects = acceptor.Handle(new Accept(3, new NodeId(2), new Ballot(1, new NodeId(2)), [1], 77));
        Assert.Equal("acceptor_elsewhere", Assert.IsType<Dropped>(Assert.Single(effects)).Reason);
        Assert.Equal(AcceptorState.Initial, acceptor.State);
    }
}
