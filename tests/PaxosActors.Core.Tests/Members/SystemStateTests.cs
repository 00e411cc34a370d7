namespace PaxosActors.Core.Tests.Members;

/// <summary>The membership state machine: each change a deterministic compare-and-set on the version.</summary>
public sealed class SystemStateTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3), D = new(4);

    private static SystemState Three() => SystemState.Initial([A, B, C]);

    [Fact]
    public void A_node_joins_as_a_learner_then_votes_each_step_one_version()
    {
        var joined = Three().Apply(new JoinAsLearner(D, "d"));
        Assert.True(joined.Applied);
        Assert.Equal(1, joined.State.Version);
        Assert.Equal([D], joined.State.Learners);
        Assert.Equal([A, B, C], joined.State.Voters);

        var promoted = joined.State.Apply(new Promote(D, ExpectedVersion: 1));
        Assert.True(promoted.Applied);
        Assert.Equal(2, promoted.State.Version);
        Assert.Equal([A, B, C, D], promoted.State.Voters);
        Assert.Equal(3, new Membership([A]).With(promoted.State).Quorum);
    }

    [Fact]
    public void A_stale_expected_version_changes_nothing_and_says_why()
    {
        var state = Three().Apply(new JoinAsLearner(D, "d")).State;
        var outcome = state.Apply(new Promote(D, ExpectedVersion: 0));
        Assert.False(outcome.Applied);
        Assert.Same(state, outcome.State);
        Assert.Contains("expected membership version 0", outcome.Reason);
    }

    [Fact]
    public void Replace_swaps_a_voter_for_a_learner_in_one_step()
    {
        var state = Three().Apply(new JoinAsLearner(D, "d")).State;
        var replaced = state.Apply(new ReplaceVoter(C, D));
        Assert.True(replaced.Applied);
        Assert.Equal([A, B, D], replaced.State.Voters);
        Assert.Empty(replaced.State.Learners);
        Assert.False(Three().Apply(new ReplaceVoter(C, D)).Applied);
        Assert.False(state.Apply(new ReplaceVoter(D, C)).Applied);
    }

    [Fact]
    public void The_last_voter_stays_and_unknown_nodes_are_refused()
    {
        var one = SystemState.Initial([A]);
        Assert.False(one.Apply(new RemoveNode(A)).Applied);
        Assert.False(one.Apply(new Promote(B)).Applied);
        var gone = one.Apply(new RemoveNode(B));
        Assert.False(gone.Applied);
        Assert.True(gone.Unchanged);
        Assert.False(one.Apply(new JoinAsLearner(B, " ")).Applied);
    }

    [Fact]
    public void A_known_node_at_a_new_address_keeps_its_vote()
    {
        var moved = Three().Apply(new JoinAsLearner(C, "c2"));
        Assert.True(moved.Applied);
        Assert.Equal(new MemberInfo("c2", Voting: true), moved.State.Nodes[C]);
        var again = moved.State.Apply(new JoinAsLearner(C, "c2"));
        Assert.False(again.Applied);
        Assert.True(again.Unchanged);
    }

    [Fact]
    public void A_removed_node_is_remembered_as_departed_until_it_joins_again()
    {
        var removed = Three().Apply(new RemoveNode(C)).State;
        Assert.Equal([new KeyValuePair<NodeId, string?>(C, null)], removed.Departed);
        Assert.True(new Membership([A]).With(removed).MayLearn(C));
        Assert.False(new Membership([A]).With(removed).Contains(C));

        var replaced = removed.Apply(new JoinAsLearner(D, "d")).State.Apply(new ReplaceVoter(B, D)).State;
        Assert.Equal([C, B], replaced.Departed.Select(d => d.Key));

        var back = replaced.Apply(new JoinAsLearner(C, "c3")).State;
        Assert.Equal([B], back.Departed.Select(d => d.Key));
        Assert.Equal(back.ToString(), SystemState.Decode(back.Encode()).ToString());
        Assert.Equal(back.Departed, SystemState.Decode(back.Encode()).Departed);
    }

    [Fact]
    public void The_departed_list_keeps_only_the_latest_removals()
    {
        var state = Three();
        for (var i = 10; i < 10 + SystemState.DepartedKept + 3; i++)
        {
            state = state.Apply(new JoinAsLearner(new NodeId(i), $"n{i}")).State.Apply(new RemoveNode(new NodeId(i))).State;
        }

        Assert.Equal(SystemState.DepartedKept, state.Departed.Count);
        Assert.Equal(new NodeId(13), state.Departed[0].Key);
        Assert.Equal(new NodeId(12 + SystemState.DepartedKept), state.Departed[^1].Key);
        Assert.Equal(state.Departed, SystemState.Decode(state.Encode()).Departed);
    }

    [Fact]
    public void Changes_and_states_round_trip_and_garbage_is_a_format_error()
    {
        MemberChange[] changes = [new JoinAsLearner(D, "akka.tcp://paxos@h:1", 7), new Promote(D), new RemoveNode(B, 0), new ReplaceVoter(C, D, 3)];
        foreach (var change in changes)
        {
            Assert.Equal(change, MemberChange.Decode(change.Encode()));
        }

        var state = Three().Apply(new JoinAsLearner(D, "d")).State;
        Assert.Equal(state.ToString(), SystemState.Decode(state.Encode()).ToString());
        Assert.Throws<PaxosFormatException>(() => MemberChange.Decode([1, 0, 0, 0, 0, 0, 0, 0, 0, 9, 1, 0, 0, 0]));
        Assert.Throws<PaxosFormatException>(() => MemberChange.Decode(new Promote(D).Encode()[..^1]));
        Assert.Throws<PaxosFormatException>(() => SystemState.Decode([2]));
        var noVoter = SystemState.Initial([A]).Encode();
        noVoter[^5] = 0;
        Assert.Throws<PaxosFormatException>(() => SystemState.Decode(noVoter));
    }

    [Fact]
    public void A_value_carries_the_membership_flag_exactly_when_it_holds_a_change()
    {
        var change = new StoredCommand(A, 1, 1, 1, StoredCommand.SystemMachine, 0, string.Empty, new Promote(D).Encode());
        var user = new StoredCommand(A, 1, 2, 1, 1, 0, string.Empty, [1]);
        Assert.True(ProposalValue.CarriesSystem(new ProposalValue(A, [user, change]).Encode()));
        Assert.False(ProposalValue.CarriesSystem(new ProposalValue(A, [user]).Encode()));

        // A flag that lies is a format error: a node would otherwise skip the wait for the change.
        var lying = new ProposalValue(A, [user]).Encode();
        lying[0] = 4;
        Assert.Throws<PaxosFormatException>(() => ProposalValue.Decode(lying));
        var hidden = new ProposalValue(A, [change]).Encode();
        hidden[0] = 3;
        Assert.Throws<PaxosFormatException>(() => ProposalValue.Decode(hidden));
    }
}
