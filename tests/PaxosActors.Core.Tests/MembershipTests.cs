namespace PaxosActors.Core.Tests;

/// <summary>Members, majorities and followers; the acceptor state's fold and session numbers. Written against the mutation run (docs/testing.md).</summary>
public sealed class MembershipTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3), D = new(4), E = new(5), F = new(6);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    [InlineData(5, 3)]
    public void A_quorum_is_a_strict_majority(int members, int quorum)
    {
        Assert.Equal(quorum, new Membership(Enumerable.Range(1, members).Select(i => new NodeId(i))).Quorum);
    }

    [Fact]
    public void A_quorum_one_short_is_the_deliberate_bug_and_never_below_one()
    {
        Assert.Equal(2, new Membership([A, B, C, D, E], DeliberateBugs.QuorumOneShort).Quorum);
        Assert.Equal(1, new Membership([A], DeliberateBugs.QuorumOneShort).Quorum);
        Assert.Equal(3, new Membership([A, B, C, D, E], DeliberateBugs.ReplyBeforePersist).Quorum);
    }

    [Fact]
    public void Members_are_distinct_and_ordered()
    {
        var m = new Membership([C, A, C, B]);
        Assert.Equal([A, B, C], m.Members);
        Assert.True(m.Contains(B));
        Assert.False(m.Contains(D));
    }

    [Fact]
    public void A_group_needs_members_none_of_them_node_zero()
    {
        Assert.Throws<ArgumentException>(() => new Membership([]));
        Assert.Throws<ArgumentException>(() => new Membership([A, NodeId.None]));
    }

    [Fact]
    public void A_follower_is_no_member_and_follows_a_member()
    {
        Assert.Throws<ArgumentException>(() => new Membership([A, B], new Dictionary<NodeId, NodeId> { [B] = A }));
        Assert.Throws<ArgumentException>(() => new Membership([A, B], new Dictionary<NodeId, NodeId> { [F] = E }));
        var m = new Membership([A, B], new Dictionary<NodeId, NodeId> { [E] = A, [F] = A, [D] = B });
        Assert.True(m.IsFollower(E));
        Assert.False(m.IsFollower(A));
        Assert.False(m.Contains(E));
        Assert.Equal([E, F], m.FollowersOf(A).Order());
        Assert.Equal([D], m.FollowersOf(B));
        Assert.Empty(new Membership([A]).FollowersOf(A));
        Assert.Empty(new Membership([A]).Following);
    }
}

public sealed class AcceptorStateTests
{
    private static readonly NodeId P = new(2), Q = new(3);

    [Fact]
    public void Proposer_sessions_of_a_later_start_are_above_every_session_of_an_earlier_one()
    {
        Assert.Equal(AcceptorState.SessionSpan + 1, AcceptorState.ProposerSession(1, 1));
        Assert.Equal((2 * AcceptorState.SessionSpan) + 5, AcceptorState.ProposerSession(2, 5));
        Assert.True(AcceptorState.ProposerSession(2, 1) > AcceptorState.ProposerSession(1, AcceptorState.SessionSpan - 1));
        Assert.Equal(1L << 20, AcceptorState.SessionSpan);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    [InlineData(1, 1 << 20)]
    public void A_start_and_an_incarnation_are_counted_from_one_within_the_span(long start, long incarnation)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AcceptorState.ProposerSession(start, incarnation));
    }

    [Fact]
    public void The_largest_incarnation_fits_and_a_start_past_the_range_overflows()
    {
        Assert.Equal((3 * AcceptorState.SessionSpan) + AcceptorState.SessionSpan - 1, AcceptorState.ProposerSession(3, AcceptorState.SessionSpan - 1));
        Assert.Throws<OverflowException>(() => AcceptorState.ProposerSession(long.MaxValue / 2, 1));
    }

    [Fact]
    public void An_accept_for_the_current_instance_is_recorded_and_raises_the_promise()
    {
        var state = AcceptorState.Initial with { Instance = 2, Promised = new Ballot(1, P) };
        var after = state.Apply(new Accepted(2, new Ballot(3, Q), [4]));
        Assert.Equal((new Ballot(3, Q), new Ballot(3, Q)), (after.Promised, after.AcceptedBallot));
        Assert.Equal([4], after.AcceptedValue!);

        // An accept below the promise (written before a higher promise) does not lower it.
        var lower = (state with { Promised = new Ballot(9, P) }).Apply(new Accepted(2, new Ballot(3, Q), [4]));
        Assert.Equal(new Ballot(9, P), lower.Promised);
        Assert.Equal(new Ballot(3, Q), lower.AcceptedBallot);

        var other = state.Apply(new Accepted(1, new Ballot(3, Q), [4]));
        Assert.Equal((new Ballot(3, Q), Ballot.Zero), (other.Promised, other.AcceptedBallot));
        Assert.Null(other.AcceptedValue);
        Assert.Equal(new Ballot(9, P), (state with { Promised = new Ballot(9, P) }).Apply(new Accepted(1, new Ballot(3, Q), [4])).Promised);
    }

    [Fact]
    public void A_chosen_instance_moves_on_from_the_current_one_only()
    {
        var state = AcceptorState.Initial with { Instance = 2, AcceptedBallot = new Ballot(1, P), AcceptedValue = [1] };
        Assert.Same(state, state.Apply(new InstanceChosen(1, [1], 5)));
        var same = state.Apply(new InstanceChosen(2, [1], 5));
        Assert.Equal((3L, 5UL, Ballot.Zero), (same.Instance, same.PreviousChecksum, same.AcceptedBallot));
        Assert.Null(same.AcceptedValue);
        Assert.Same(state, state.Apply(new InstanceChosen(7, [1], 5)));
    }

    [Fact]
    public void Promises_and_sessions_never_go_down()
    {
        var state = AcceptorState.Initial with { Promised = new Ballot(5, P), Session = 9 };
        Assert.Equal(new Ballot(5, P), state.Apply(new Promised(new Ballot(4, Q))).Promised);
        Assert.Equal(new Ballot(6, P), state.Apply(new Promised(new Ballot(6, P))).Promised);
        Assert.Equal(9, state.Apply(new SessionStarted(3)).Session);
        Assert.Equal(12, state.Apply(new SessionStarted(12)).Session);
    }
}
