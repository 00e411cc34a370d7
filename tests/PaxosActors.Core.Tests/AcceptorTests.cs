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
        var reply = Assert.IsType<PrepareReply>(Assert.Single(persist.Replies).Message);
        Assert.True(reply.Ok);
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
