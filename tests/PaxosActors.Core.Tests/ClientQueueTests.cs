namespace PaxosActors.Core.Tests;

/// <summary>
/// The client queue's rules, one finding at a time; the simulator checks the same rules under
/// every schedule (Simulation.Clients.cs).
/// </summary>
public sealed class ClientQueueTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);
    private const long Session = 1 << 20 | 1;

    [Fact]
    public void A_refusal_of_a_hand_over_that_ran_all_the_same_ends_in_success_not_in_did_not_run()
    {
        // The network delivered the hand-over twice: the leader proposed one copy and refused the other.
        var (queue, sequence) = HandedToLeader();
        var refused = queue.Refused(A, Session, [sequence], ClientFailure.Overloaded, "full", 5);
        Assert.DoesNotContain(refused, e => e is Answer);

        var answer = Assert.Single(queue.Executed(Session, sequence, 1, 0, "r", 6).OfType<Answer>());
        Assert.Equal(new Ran(1, 0, "r"), answer.Outcome);
    }

    [Fact]
    public void A_refused_command_did_not_run_once_a_floor_above_it_passes_in_the_log()
    {
        var (queue, sequence) = HandedToLeader();
        var refused = queue.Refused(A, Session, [sequence], ClientFailure.Overloaded, "full", 5);

        // A fence carries the floor into the log, handed to the leader like any command.
        var fence = ProposalValue.Decode(Assert.Single(refused.OfType<ForwardCommands>()).Value).Commands.Single();
        Assert.True(fence.IsFence);
        Assert.True(fence.Floor > sequence);

        var answer = Assert.Single(queue.FloorPassed(Session, fence.Floor, 6).OfType<Answer>());
        var failed = Assert.IsType<Failed>(answer.Outcome);
        Assert.Equal((ClientFailure.Overloaded, false), (failed.Reason, failed.OutcomeUnknown));
        Assert.Empty(queue.Executed(Session, fence.Sequence, 2, 0, null, 7));
        Assert.Equal(0, queue.Pending);
    }

    [Fact]
    public void A_refusal_counts_only_from_the_node_that_holds_the_command_and_for_this_session()
    {
        var (queue, sequence) = HandedToLeader();

        // Passed over, the old leader's refusal and one naming another session change nothing.
        queue.PeerDown(A, 3);
        Assert.Empty(queue.Refused(A, Session, [sequence], ClientFailure.Overloaded, "full", 4).OfType<Answer>());
        Assert.Contains(queue.Refused(A, Session + 1, [sequence], ClientFailure.Overloaded, "full", 4), e => e is Rejected);
        Assert.Empty(queue.FloorPassed(Session, sequence + 5, 5).OfType<Answer>());

        // The command is back here and still waits for its own outcome.
        Assert.Equal(1, queue.Pending);
        Assert.True(queue.Proposer.IsBusy);
    }

    [Fact]
    public void A_hand_over_is_taken_only_from_its_origin_and_a_copy_delivered_twice_is_held_once()
    {
        var leader = Queue(A);
        var command = new StoredCommand(B, Session, 1, 1, 1, 0, string.Empty, [7]);
        var value = new ProposalValue(B, [command]).Encode();

        Assert.Contains(leader.Forwarded(C, value, 0), e => e is Rejected { Reason: "forward_not_from_origin" });
        Assert.Equal(0, leader.ForeignPending);

        Assert.Contains(leader.Forwarded(B, value, 0), e => e is Send);
        Assert.Contains(leader.Forwarded(B, value, 1), e => e is Rejected { Reason: "forward_duplicate" });
        Assert.Equal(1, leader.ForeignPending);
        Assert.Contains(leader.Forwarded(B, [1, 2, 3], 2), e => e is Rejected { Reason: "malformed_forward" });
    }

    [Fact]
    public void A_deadline_says_did_not_run_only_for_a_command_that_never_left_the_node()
    {
        var options = Options with { ProposeTimeout = TimeSpan.FromMilliseconds(100) };
        var (queue, _) = HandedToLeader(options);
        var (_, effects) = queue.Submit(1, 0, string.Empty, [2], batch: false, now: 50);
        Assert.Contains(effects, e => e is ForwardCommands);

        var answers = queue.Tick(200).OfType<Answer>().Select(a => (Failed)a.Outcome).ToList();
        Assert.Equal(2, answers.Count);
        Assert.All(answers, f => Assert.Equal((ClientFailure.Timeout, true), (f.Reason, f.OutcomeUnknown)));

        // Proposed here and never out in an accept: it did not run.
        var alone = Queue(B, options);
        alone.Submit(1, 0, string.Empty, [3], batch: false, now: 0);
        var expired = Assert.IsType<Failed>(Assert.Single(alone.Tick(100).OfType<Answer>()).Outcome);
        Assert.False(expired.OutcomeUnknown);
        Assert.False(alone.Proposer.IsBusy);
    }

    [Fact]
    public void A_halt_answers_every_caller_once_and_a_chosen_command_may_still_run()
    {
        var queue = Queue(B);
        var (first, _) = queue.Submit(1, 0, string.Empty, [1], batch: false, now: 0);
        var (second, _) = queue.Submit(1, 0, string.Empty, [2], batch: false, now: 0);
        var answers = queue.Halt("diverged").OfType<Answer>().ToList();
        Assert.Equal([first, second], answers.Select(a => a.Sequence).Order());
        Assert.All(answers, a => Assert.Equal(ClientFailure.GroupHalted, ((Failed)a.Outcome).Reason));
        Assert.Empty(queue.Halt("again"));
        var (late, refused) = queue.Submit(1, 0, string.Empty, [3], batch: false, now: 1);
        Assert.Equal(ClientFailure.GroupHalted, ((Failed)Assert.Single(refused.OfType<Answer>(), a => a.Sequence == late).Outcome).Reason);
    }

    [Fact]
    public void Bad_commands_are_refused_before_anything_is_proposed()
    {
        var queue = Queue(B, Options with { MaxValueSize = 4, MaxPendingProposals = 1 });
        Assert.Equal(ClientFailure.UnknownStateMachine, Failure(queue.Submit(9, 0, string.Empty, [1], false, 0)));
        Assert.Equal(ClientFailure.UnknownStateMachine, Failure(queue.Submit(StoredCommand.FenceMachine, 0, string.Empty, [1], false, 0)));
        Assert.Equal(ClientFailure.ValueTooLarge, Failure(queue.Submit(1, 0, string.Empty, new byte[5], false, 0)));
        queue.Submit(1, 0, string.Empty, [1], false, 0);
        Assert.Equal(ClientFailure.Overloaded, Failure(queue.Submit(1, 0, string.Empty, [1], false, 0)));
    }

    private static ProtocolOptions Options => new() { LeaderTimeout = TimeSpan.FromSeconds(10) };

    private static ClientFailure Failure((long Sequence, IReadOnlyList<Effect> Effects) submitted) =>
        ((Failed)Assert.Single(submitted.Effects.OfType<Answer>()).Outcome).Reason;

    private static ClientQueue Queue(NodeId self, ProtocolOptions? options = null)
    {
        var members = new Membership([A, B, C]);
        var o = options ?? Options;
        return new ClientQueue(self, members, o, new Proposer(self, members, o, new SeededRandom(1), 0, 0, 0), Session, new HashSet<int> { 1 });
    }

    /// <summary>Node B learns that A decided instance 0, then hands a command to A.</summary>
    private static (ClientQueue Queue, long Sequence) HandedToLeader(ProtocolOptions? options = null)
    {
        var queue = Queue(B, options);
        queue.Learned(new InstanceLearned(0, new ProposalValue(A, []).Encode(), 1), now: 0);
        var (sequence, effects) = queue.Submit(1, 0, string.Empty, [1], batch: false, now: 1);
        var forward = Assert.Single(effects.OfType<ForwardCommands>());
        Assert.Equal(A, forward.To);
        return (queue, sequence);
    }
}
