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
    public void A_handed_command_the_checkpoints_filter_holds_as_run_is_answered_when_its_instance_is_skipped()
    {
        var (queue, sequence) = HandedToLeader();
        var other = queue.Submit(1, 0, string.Empty, [2], batch: false, now: 2).Sequence;

        // A filter of another session, or one that holds neither: nothing is answered.
        Assert.Empty(queue.Skipped(new InstancesSkipped(3, 7, new SessionMarks(Session - 1, 10, [])), 3).OfType<Answer>());
        Assert.Empty(queue.Skipped(new InstancesSkipped(4, 7, new SessionMarks(Session, 0, [other + 1])), 3).OfType<Answer>());

        var answers = queue.Skipped(new InstancesSkipped(5, 7, new SessionMarks(Session, 0, [sequence])), 4).OfType<Answer>().ToList();
        var failed = (Failed)Assert.Single(answers, a => a.Sequence == sequence).Outcome;
        Assert.Equal((ClientFailure.ResultLost, true), (failed.Reason, failed.OutcomeUnknown));
        Assert.DoesNotContain(queue.Skipped(new InstancesSkipped(6, 7, new SessionMarks(Session, other, [])), 4).OfType<Answer>(), a => a.Sequence == sequence);
        Assert.Equal(0, queue.Pending);
    }

    [Fact]
    public void A_refused_command_below_the_checkpoints_low_mark_may_have_run_or_not()
    {
        var (queue, sequence) = HandedToLeader();
        queue.Refused(A, Session, [sequence], ClientFailure.Overloaded, "full", 5);
        var answer = Assert.Single(queue.Skipped(new InstancesSkipped(5, 7, new SessionMarks(Session, sequence, [])), 6).OfType<Answer>());
        var failed = (Failed)answer.Outcome;
        Assert.Equal((sequence, ClientFailure.Overloaded, true), (answer.Sequence, failed.Reason, failed.OutcomeUnknown));
        Assert.StartsWith("full", failed.Message);
        Assert.Contains("installed a checkpoint at instance 5 that covers the floor that settles it", failed.Message);
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
        Assert.Contains(queue.Refused(A, Session + 1, [sequence], ClientFailure.Overloaded, "full", 4), e => e is Rejected { Reason: "refusal_other_session" });
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

/// <summary>The client queue's edges, written against the mutation run (docs/testing.md).</summary>
public sealed class ClientQueueEdgeTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);
    private static readonly Membership Three = new([A, B, C]);
    private const long Session = 1 << 20 | 1;

    private static ProtocolOptions Options => new() { LeaderTimeout = TimeSpan.FromMilliseconds(100), ProposeTimeout = TimeSpan.FromSeconds(10) };

    private static ClientQueue Queue(NodeId self, ProtocolOptions? options = null)
    {
        var o = options ?? Options;
        return new ClientQueue(self, Three, o, new Proposer(self, Three, o, new SeededRandom(1), 0, 0, 0), Session, new HashSet<int> { 1 });
    }

    private static long Submit(ClientQueue q, long now, int size = 1, bool batch = false) => q.Submit(1, 0, string.Empty, new byte[size], batch, now).Sequence;

    /// <summary>The queue's own proposer gets promises from itself and one more node: its value goes out in accepts.</summary>
    private static IReadOnlyList<Effect> Promise(ClientQueue q, NodeId self, NodeId other, long now, long instance = 0)
    {
        var b = q.Proposer.Ballot;
        q.Handle(new PrepareReply(instance, self, b, true, b, Ballot.Zero, null), now);
        return q.Handle(new PrepareReply(instance, other, b, true, b, Ballot.Zero, null), now);
    }

    /// <summary>A queue on B whose one command was chosen at instance 0 and has not run yet.</summary>
    private static (ClientQueue Queue, long Sequence) ChosenAtZero()
    {
        var q = Queue(B);
        var sequence = Submit(q, 0);
        q.Learned(new InstanceLearned(0, ValueIn(Promise(q, B, A, 0)).Encode(), 1), 1);
        return (q, sequence);
    }

    private static ProposalValue ValueIn(IEnumerable<Effect> effects) =>
        ProposalValue.Decode(effects.OfType<Send>().Select(s => s.Message).OfType<Accept>().First().Value);

    private static IEnumerable<T> Sent<T>(IEnumerable<Effect> effects) => effects.OfType<Send>().Select(s => s.Message).OfType<T>();

    [Fact]
    public void A_session_is_positive()
    {
        var o = Options;
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClientQueue(A, Three, o, new Proposer(A, Three, o, new SeededRandom(1), 0, 0, 0), 0, new HashSet<int> { 1 }));
        Assert.Equal(1, new ClientQueue(A, Three, o, new Proposer(A, Three, o, new SeededRandom(1), 0, 0, 0), 1, new HashSet<int> { 1 }).Session);
    }

    [Fact]
    public void A_command_of_exactly_the_size_limit_is_taken_and_sequence_numbers_count_up()
    {
        var q = Queue(B, Options with { MaxValueSize = 4 });
        var (first, effects) = q.Submit(1, 0, string.Empty, new byte[4], false, 0);
        Assert.DoesNotContain(effects, e => e is Answer);
        Assert.Equal(3, Sent<Prepare>(effects).Count());
        Assert.Equal(1, first);
        Assert.Equal(2, q.Submit(1, 0, string.Empty, new byte[5], false, 0).Sequence);
        Assert.Equal(1, q.Pending);
    }

    [Fact]
    public void BatchPropose_lingers_until_enough_commands_or_the_linger_passes()
    {
        var options = Options with { BatchProposeLinger = TimeSpan.FromMilliseconds(5), BatchProposeMaxCount = 3 };
        var q = Queue(B, options);
        var first = q.Submit(1, 0, string.Empty, [1], batch: true, now: 10).Effects;
        Assert.Equal(new WakeAt(15), Assert.Single(first));
        Assert.Empty(q.Submit(1, 0, string.Empty, [2], batch: true, now: 11).Effects);
        Assert.Equal(new WakeAt(15), Assert.Single(q.Tick(14)));
        var proposed = q.Tick(15);
        Assert.Equal(3, Sent<Prepare>(proposed).Count());
        Assert.Equal(new WakeAt(10_010), Assert.Single(proposed.OfType<WakeAt>()));
        Assert.Equal(2, ValueIn(Promise(q, B, A, 16)).Commands.Count);

        var full = Queue(B, options);
        Submit(full, 0, batch: true);
        Submit(full, 0, batch: true);
        Assert.Equal(3, Sent<Prepare>(full.Submit(1, 0, string.Empty, [3], batch: true, now: 0).Effects).Count());

        // A linger under a millisecond still waits one.
        var brief = Queue(B, options with { BatchProposeLinger = TimeSpan.FromTicks(1) });
        Assert.Equal(new WakeAt(1), Assert.Single(brief.Submit(1, 0, string.Empty, [1], batch: true, now: 0).Effects));
        var none = Queue(B, options with { BatchProposeLinger = TimeSpan.Zero });
        Assert.Equal(3, Sent<Prepare>(none.Submit(1, 0, string.Empty, [1], batch: true, now: 0).Effects).Count());
    }

    [Fact]
    public void A_value_takes_commands_up_to_the_count_and_byte_limits_and_the_rest_wait()
    {
        var options = Options with { BatchProposeLinger = TimeSpan.FromMilliseconds(5), BatchProposeMaxCount = 100, BatchMaxCount = 2 };
        var q = Queue(B, options);
        for (var i = 0; i < 3; i++)
        {
            Submit(q, 0, batch: true);
        }

        q.Tick(5);
        Assert.Equal([1L, 2L], ValueIn(Promise(q, B, A, 5)).Commands.Select(c => c.Sequence));

        // Each command takes its payload, manifest and 48 bytes: two of 10 fit in 116 exactly.
        var bytes = Queue(B, options with { BatchMaxCount = 10, MaxValueSize = 116 });
        for (var i = 0; i < 3; i++)
        {
            Submit(bytes, 0, size: 10, batch: true);
        }

        bytes.Tick(5);
        Assert.Equal(2, ValueIn(Promise(bytes, B, A, 5)).Commands.Count);

        var smaller = Queue(B, options with { BatchMaxCount = 10, MaxValueSize = 115 });
        for (var i = 0; i < 3; i++)
        {
            Submit(smaller, 0, size: 10, batch: true);
        }

        smaller.Tick(5);
        Assert.Single(ValueIn(Promise(smaller, B, A, 5)).Commands);
    }

    [Fact]
    public void A_value_out_in_an_accept_when_a_checkpoint_skips_its_instance_may_have_run()
    {
        var q = Queue(B);
        Submit(q, 0);
        Promise(q, B, A, 0);
        Assert.True(q.Proposer.OwnValueMayBeChosen);

        // The node fetched a checkpoint up to instance 5: the value may be chosen in any of 0..4.
        q.Skipped(new InstancesSkipped(5, 99), 1);
        Assert.Equal((5L, 99UL), (q.Proposer.Instance, q.Proposer.PreviousChecksum));
        var failed = (Failed)Assert.Single(q.Stop("stopping").OfType<Answer>()).Outcome;
        Assert.True(failed.OutcomeUnknown);
    }

    [Fact]
    public void A_command_chosen_in_an_instance_a_checkpoint_covers_is_answered_that_it_ran_with_its_result_lost()
    {
        var (q, sequence) = ChosenAtZero();

        // Chosen at 0; a checkpoint at 0 does not cover it (it runs here), one at 1 does.
        Assert.Empty(q.Skipped(new InstancesSkipped(0, 0), 2).OfType<Answer>());
        var answer = Assert.Single(q.Skipped(new InstancesSkipped(1, 1), 2).OfType<Answer>());
        var failed = (Failed)answer.Outcome;
        Assert.Equal((sequence, ClientFailure.ResultLost, true), (answer.Sequence, failed.Reason, failed.OutcomeUnknown));
        Assert.Contains("ran, but this node installed a checkpoint at instance 1", failed.Message);
        Assert.Equal(0, q.Pending);
        Assert.Empty(q.Executed(q.Session, sequence, 0, 0, null, 3).OfType<Answer>());
    }

    [Fact]
    public void A_value_still_preparing_when_a_checkpoint_skips_ahead_did_not_run()
    {
        var q = Queue(B);
        Submit(q, 0);
        q.Skipped(new InstancesSkipped(0, 0), 1);
        Assert.Equal(0, q.Proposer.Instance);
        q.Skipped(new InstancesSkipped(5, 99), 1);
        var failed = (Failed)Assert.Single(q.Stop("stopping").OfType<Answer>()).Outcome;
        Assert.False(failed.OutcomeUnknown);
    }

    [Fact]
    public void A_deadline_is_due_at_its_millisecond()
    {
        var q = Queue(B, Options with { ProposeTimeout = TimeSpan.FromMilliseconds(100) });
        Submit(q, 0);
        Assert.Empty(q.Tick(99).OfType<Answer>());
        Assert.Single(q.Tick(100).OfType<Answer>());
        Assert.Equal(0, q.Pending);
    }

    [Fact]
    public void Only_this_sessions_executed_commands_are_answered_with_their_result()
    {
        var q = Queue(B);
        var sequence = Submit(q, 0);
        Assert.Empty(q.Executed(Session + 1, sequence, 4, 0, "x", 1));
        Assert.Empty(q.Executed(Session, sequence + 1, 4, 0, "x", 1));
        Assert.Equal(new Answer(sequence, new Ran(4, 2, "x")), Assert.Single(q.Executed(Session, sequence, 4, 2, "x", 1).OfType<Answer>()));
        Assert.Equal(0, q.Pending);
    }

    [Fact]
    public void A_stop_says_did_not_run_only_of_commands_that_can_no_longer_be_chosen()
    {
        var q = Queue(B);
        var inValue = Submit(q, 0);
        var queued = Submit(q, 0);
        var answers = q.Stop("restart").OfType<Answer>().ToDictionary(a => a.Sequence, a => (Failed)a.Outcome);
        Assert.Equal(new Failed(ClientFailure.Stopped, "restart", false), answers[inValue]);
        Assert.Equal(new Failed(ClientFailure.Stopped, "restart", false), answers[queued]);
        Assert.False(q.Proposer.IsBusy);
        Assert.True(q.IsHalted);
        Assert.Equal(ClientFailure.GroupHalted, ((Failed)q.Submit(1, 0, string.Empty, [1], false, 1).Effects.OfType<Answer>().Single().Outcome).Reason);

        var outInAccept = Queue(B);
        var sent = Submit(outInAccept, 0);
        Promise(outInAccept, B, A, 0);
        Assert.True(((Failed)Assert.Single(outInAccept.Halt("diverged").OfType<Answer>()).Outcome).OutcomeUnknown);
        Assert.Empty(outInAccept.Halt("again"));
        Assert.Equal(1, sent);
    }

    [Fact]
    public void A_halt_after_the_choice_and_before_the_run_leaves_the_outcome_open()
    {
        var (q, sequence) = ChosenAtZero();
        var failed = (Failed)Assert.Single(q.Halt("diverged").OfType<Answer>(), a => a.Sequence == sequence).Outcome;
        Assert.Equal((ClientFailure.GroupHalted, true, "diverged"), (failed.Reason, failed.OutcomeUnknown, failed.Message));
    }

    [Fact]
    public void A_command_that_lost_every_instance_did_not_run_and_the_queue_goes_on()
    {
        var q = Queue(B, Options with { MaxConflictRetries = 0 });
        var sequence = Submit(q, 0);
        Promise(q, B, A, 0);
        var next = Submit(q, 0);
        var effects = q.Learned(new InstanceLearned(0, new ProposalValue(C, []).Encode(), 1), 1);
        var failed = (Failed)Assert.Single(effects.OfType<Answer>()).Outcome;
        Assert.Equal((ClientFailure.Conflict, false), (failed.Reason, failed.OutcomeUnknown));
        Assert.Equal("Other values won 1 instances in a row. The command did not run.", failed.Message);

        // The next command is handed to the leader whose value won.
        var forward = Assert.Single(effects.OfType<ForwardCommands>());
        Assert.Equal(C, forward.To);
        Assert.Equal(next, ProposalValue.Decode(forward.Value).Commands.Single().Sequence);
        Assert.Equal(sequence + 1, next);
    }

    [Fact]
    public void The_leader_is_fresh_for_the_leader_timeout_and_never_this_node()
    {
        var q = Queue(B);
        Assert.Null(q.Leader(0));
        q.Learned(new InstanceLearned(0, new ProposalValue(A, []).Encode(), 1), 10);
        Assert.Equal(A, q.Leader(110));
        Assert.Null(q.Leader(111));

        var self = Queue(B);
        self.Learned(new InstanceLearned(0, new ProposalValue(B, []).Encode(), 1), 10);
        Assert.Null(self.Leader(10));

        var off = Queue(B, Options with { ForwardToLeader = false });
        off.Learned(new InstanceLearned(0, new ProposalValue(A, []).Encode(), 1), 10);
        Assert.Null(off.Leader(10));

        // A value that names no proposer leaves the leader as it was.
        q.Learned(new InstanceLearned(1, [9, 9], 2), 50);
        Assert.Equal(A, q.Leader(110));
    }

    [Fact]
    public void Handed_commands_unanswered_for_the_leader_timeout_come_back_and_are_proposed_here()
    {
        var q = Queue(B);
        q.Learned(new InstanceLearned(0, new ProposalValue(A, []).Encode(), 1), 0);
        var handed = q.Submit(1, 0, string.Empty, [1], false, 1).Effects;
        Assert.Single(handed.OfType<ForwardCommands>());
        Assert.Equal(new WakeAt(101), Assert.Single(handed.OfType<WakeAt>()));
        Assert.Empty(Sent<Prepare>(q.Tick(100)));
        Assert.False(q.Proposer.IsBusy);
        Assert.Equal(3, Sent<Prepare>(q.Tick(101)).Count());
        Assert.True(q.Proposer.IsBusy);
        Assert.Null(q.Leader(101));

        // The leader shows up again: it leads once more.
        q.Learned(new InstanceLearned(1, new ProposalValue(C, []).Encode(), 2), 102);
        Assert.Equal(C, q.Leader(102));
    }

    [Fact]
    public void A_peer_that_goes_down_is_passed_over_only_if_it_leads()
    {
        var q = Queue(B);
        q.Learned(new InstanceLearned(0, new ProposalValue(A, []).Encode(), 1), 0);
        Submit(q, 1);
        Assert.Empty(Sent<Prepare>(q.PeerDown(C, 2)));
        Assert.Equal(A, q.Leader(2));
        Assert.Equal(3, Sent<Prepare>(q.PeerDown(A, 2)).Count());
        Assert.Empty(q.PeerDown(A, 3));
    }

    [Fact]
    public void Handed_over_commands_are_bounded_by_every_other_node_s_share_and_fences_always_fit()
    {
        var leader = Queue(A, Options with { MaxPendingProposals = 1 });
        var commands = Enumerable.Range(1, 3).Select(i => new StoredCommand(B, Session, i, 1, 1, 0, string.Empty, [1])).ToList();
        var effects = leader.Forwarded(B, new ProposalValue(B, commands).Encode(), 0);
        var refused = Assert.Single(effects.OfType<RefuseCommands>());
        Assert.Equal((B, Session, ClientFailure.Overloaded), (refused.To, refused.Session, refused.Reason));
        Assert.Equal([3L], refused.Sequences);
        Assert.Contains("node 1", refused.Message);
        Assert.Equal(2, leader.ForeignPending);

        var fence = new StoredCommand(C, Session, 1, 1, StoredCommand.FenceMachine, 0, string.Empty, []);
        Assert.Empty(leader.Forwarded(C, new ProposalValue(C, [fence]).Encode(), 0).OfType<RefuseCommands>());
        Assert.Equal(3, leader.ForeignPending);

        leader.Halt("diverged");
        var late = new StoredCommand(C, Session, 2, 1, 1, 0, string.Empty, [1]);
        var halted = Assert.Single(leader.Forwarded(C, new ProposalValue(C, [late]).Encode(), 1).OfType<RefuseCommands>());
        Assert.Equal((ClientFailure.GroupHalted, "diverged"), (halted.Reason, halted.Message));
    }

    [Fact]
    public void A_legacy_command_is_never_taken_as_a_hand_over()
    {
        var leader = Queue(A);
        // Version 2 of the value format (no floors) still decodes, but its commands carry no floor.
        var legacy = new WireWriter().Byte(2).Int32(B.Value).Int32(1)
            .Int32(B.Value).Int64(Session).Int64(1).Int32(1).Int32(0).String(string.Empty).Bytes([1])
            .ToArray();
        Assert.Contains(leader.Forwarded(B, legacy, 0), e => e is Rejected { Reason: "forward_not_from_origin" });
        Assert.Equal(0, leader.ForeignPending);
    }

    [Fact]
    public void A_handed_command_whose_caller_gave_up_is_not_proposed()
    {
        var leader = Queue(A, Options with { ProposeTimeout = TimeSpan.FromMilliseconds(100) });
        Submit(leader, 0);
        var own = ValueIn(Promise(leader, A, B, 0));
        var foreign = new StoredCommand(B, Session, 1, 1, 1, 0, string.Empty, [1]);
        leader.Forwarded(B, new ProposalValue(B, [foreign]).Encode(), 0);
        Assert.Equal(1, leader.ForeignPending);

        // The own value is chosen only after the handed command's caller gave up (at 100).
        var b = leader.Proposer.Ballot;
        leader.Handle(new AcceptReply(0, A, b, true, b), 100);
        leader.Handle(new AcceptReply(0, B, b, true, b), 100);
        var effects = leader.Learned(new InstanceLearned(0, own.Encode(), Checksum.Next(0, own.Encode())), 100);
        Assert.Empty(Sent<Accept>(effects));
        Assert.Equal(0, leader.ForeignPending);
        Assert.False(leader.Proposer.IsBusy);

        // The same command handed again is taken: it is no longer held.
        Assert.Equal(3, Sent<Accept>(leader.Forwarded(B, new ProposalValue(B, [foreign]).Encode(), 101)).Count());
        Assert.Equal(1, leader.ForeignPending);
    }

    [Fact]
    public void A_handed_command_still_waited_for_is_proposed_by_the_leader_after_its_own()
    {
        var leader = Queue(A);
        Submit(leader, 0);
        var own = ValueIn(Promise(leader, A, B, 0));
        var foreign = new StoredCommand(B, Session, 1, 1, 1, 0, string.Empty, [1]);
        leader.Forwarded(B, new ProposalValue(B, [foreign]).Encode(), 0);
        var b = leader.Proposer.Ballot;
        leader.Handle(new AcceptReply(0, A, b, true, b), 1);
        leader.Handle(new AcceptReply(0, B, b, true, b), 1);
        var effects = leader.Learned(new InstanceLearned(0, own.Encode(), Checksum.Next(0, own.Encode())), 1);
        var next = ValueIn(effects);
        Assert.Equal((A, B, 1L), (next.Proposer, next.Commands.Single().Origin, next.Commands.Single().Sequence));
        Assert.Equal(1, leader.ForeignPending);
    }

    [Fact]
    public void Each_handed_command_carries_the_lowest_open_sequence_as_its_floor()
    {
        var q = Queue(B, Options with { BatchProposeLinger = TimeSpan.FromMilliseconds(5), BatchProposeMaxCount = 2 });
        q.Learned(new InstanceLearned(0, new ProposalValue(A, []).Encode(), 1), 0);
        Submit(q, 1, batch: true);
        var forward = Assert.Single(q.Submit(1, 0, string.Empty, [2], batch: true, now: 1).Effects.OfType<ForwardCommands>());
        Assert.Equal([(1L, 1L), (2L, 1L)], ProposalValue.Decode(forward.Value).Commands.Select(c => (c.Sequence, c.Floor)));

        // Once those have run, the floor is the next open one.
        q.Executed(Session, 1, 1, 0, null, 2);
        q.Executed(Session, 2, 1, 1, null, 2);
        Submit(q, 3, batch: true);
        var next = Assert.Single(q.Submit(1, 0, string.Empty, [4], batch: true, now: 3).Effects.OfType<ForwardCommands>());
        Assert.Equal([(3L, 3L), (4L, 3L)], ProposalValue.Decode(next.Value).Commands.Select(c => (c.Sequence, c.Floor)));
    }

    [Fact]
    public void A_deadline_in_a_value_that_other_commands_still_wait_for_leaves_the_outcome_open()
    {
        var options = Options with { ProposeTimeout = TimeSpan.FromMilliseconds(100), BatchProposeLinger = TimeSpan.FromMilliseconds(5), BatchProposeMaxCount = 2 };
        var q = Queue(B, options);
        var first = Submit(q, 0, batch: true);
        q.Submit(1, 0, string.Empty, [2], batch: true, now: 50);
        var failed = (Failed)Assert.Single(q.Tick(100).OfType<Answer>()).Outcome;
        Assert.Equal((ClientFailure.Timeout, true), (failed.Reason, failed.OutcomeUnknown));
        Assert.True(q.Proposer.IsBusy);
        Assert.Equal(1, q.Pending);

        // The last one gives the value up: never out in an accept, so it did not run.
        var last = (Failed)Assert.Single(q.Tick(150).OfType<Answer>()).Outcome;
        Assert.Equal((ClientFailure.Timeout, false), (last.Reason, last.OutcomeUnknown));
        Assert.False(q.Proposer.IsBusy);
        Assert.Equal(1, first);
    }

    [Fact]
    public void A_deadline_for_a_value_out_in_an_accept_leaves_the_outcome_open_and_frees_the_proposer()
    {
        var q = Queue(B, Options with { ProposeTimeout = TimeSpan.FromMilliseconds(100) });
        Submit(q, 0);
        Promise(q, B, A, 0);
        var waiting = Submit(q, 10);
        var effects = q.Tick(100);
        var failed = (Failed)Assert.Single(effects.OfType<Answer>()).Outcome;
        Assert.Equal((ClientFailure.Timeout, true), (failed.Reason, failed.OutcomeUnknown));

        // The proposer took the next command at once, with a fresh ballot.
        Assert.True(q.Proposer.IsBusy);
        Assert.Equal(3, Sent<Prepare>(effects).Count());
        Assert.Equal(1, q.Pending);
        Assert.Equal(2, waiting);
    }

    [Fact]
    public void A_chosen_command_is_not_expired_its_result_is_on_its_way()
    {
        var q = Queue(B, Options with { ProposeTimeout = TimeSpan.FromMilliseconds(100) });
        var sequence = Submit(q, 0);
        var value = ValueIn(Promise(q, B, A, 0));
        q.Learned(new InstanceLearned(0, value.Encode(), 1), 1);
        Assert.Empty(q.Tick(100).OfType<Answer>());
        Assert.Equal(new Ran(0, 0, null), Assert.Single(q.Executed(Session, sequence, 0, 0, null, 101).OfType<Answer>()).Outcome);
    }

    [Fact]
    public void A_refused_fence_goes_again_and_a_floor_settles_only_refusals_below_it()
    {
        var (q, first) = HandedAt(A);
        var second = Submit(q, 2);
        var refused = q.Refused(A, Session, [first, second], ClientFailure.Overloaded, "full", 3);
        var fence = ProposalValue.Decode(Assert.Single(refused.OfType<ForwardCommands>()).Value).Commands.Single();
        Assert.True(fence.IsFence);
        Assert.Equal(fence.Sequence, fence.Floor);

        // The leader refuses the fence too: it is handed again, not answered.
        var again = q.Refused(A, Session, [fence.Sequence], ClientFailure.Overloaded, "full", 4);
        Assert.Equal(fence.Sequence, ProposalValue.Decode(Assert.Single(again.OfType<ForwardCommands>()).Value).Commands.Single().Sequence);
        Assert.Empty(again.OfType<Answer>());

        Assert.Empty(q.FloorPassed(Session, first, 5).OfType<Answer>());
        Assert.Empty(q.FloorPassed(Session + 1, fence.Floor, 5).OfType<Answer>());
        Assert.Equal([first], q.FloorPassed(Session, second, 5).OfType<Answer>().Select(a => a.Sequence));
        Assert.Equal([second], q.FloorPassed(Session, fence.Floor, 5).OfType<Answer>().Select(a => a.Sequence));
        Assert.Equal(0, q.Pending);
    }

    [Fact]
    public void No_fence_while_an_older_command_still_holds_the_floor_down()
    {
        var options = Options with { BatchProposeLinger = TimeSpan.FromMilliseconds(5), BatchProposeMaxCount = 2 };
        var q = Queue(B, options);
        q.Learned(new InstanceLearned(0, new ProposalValue(A, []).Encode(), 1), 0);
        Submit(q, 1, batch: true);
        Submit(q, 1, batch: true);

        // Only the second is refused: the first is still open below it, so no fence is needed yet.
        var refused = q.Refused(A, Session, [2], ClientFailure.Overloaded, "full", 2);
        Assert.Empty(refused.OfType<ForwardCommands>());
        var fence = ProposalValue.Decode(Assert.Single(q.Refused(A, Session, [1], ClientFailure.Overloaded, "full", 3).OfType<ForwardCommands>()).Value).Commands.Single();
        Assert.Equal(3, fence.Sequence);
        Assert.Empty(q.Refused(A, Session, [1], ClientFailure.Overloaded, "full", 3).OfType<ForwardCommands>());
    }

    private static (ClientQueue Queue, long Sequence) HandedAt(NodeId leader)
    {
        var q = Queue(B);
        q.Learned(new InstanceLearned(0, new ProposalValue(leader, []).Encode(), 1), 0);
        var (sequence, effects) = q.Submit(1, 0, string.Empty, [1], batch: false, now: 1);
        Assert.Equal(leader, Assert.Single(effects.OfType<ForwardCommands>()).To);
        return (q, sequence);
    }

    [Fact]
    public void Refusals_at_submit_say_did_not_run_and_why()
    {
        var q = Queue(B, Options with { MaxValueSize = 4, MaxPendingProposals = 1 });
        Assert.Equal(new Failed(ClientFailure.UnknownStateMachine, "No state machine 9 in this group.", false), Refusal(q.Submit(9, 0, string.Empty, [1], false, 0)));
        Assert.Equal(new Failed(ClientFailure.ValueTooLarge, "The command is 5 bytes; paxos-actors.max-value-size is 4.", false), Refusal(q.Submit(1, 0, string.Empty, new byte[5], false, 0)));
        Submit(q, 0);
        Assert.Equal(new Failed(ClientFailure.Overloaded, "1 proposals are waiting at this node.", false), Refusal(q.Submit(1, 0, string.Empty, [1], false, 0)));
        q.Halt("diverged");
        q.Halt("again");
        q.Stop("shutdown");
        Assert.Equal(new Failed(ClientFailure.GroupHalted, "diverged", false), Refusal(q.Submit(1, 0, string.Empty, [1], false, 0)));

        var stopped = Queue(B);
        stopped.Stop("shutdown");
        stopped.Stop("again");
        Assert.Equal(new Failed(ClientFailure.GroupHalted, "shutdown", false), Refusal(stopped.Submit(1, 0, string.Empty, [1], false, 0)));
    }

    [Fact]
    public void Clock_and_limit_arithmetic_is_checked()
    {
        var o = Options with { MaxPendingProposals = int.MaxValue };
        Assert.Throws<OverflowException>(() => new ClientQueue(A, Three, o, new Proposer(A, Three, o, new SeededRandom(1), 0, 0, 0), Session, new HashSet<int> { 1 }));
        Assert.Throws<OverflowException>(() => Queue(B).Submit(1, 0, string.Empty, [1], false, long.MaxValue));
        var foreign = new StoredCommand(B, Session, 1, 1, 1, 0, string.Empty, [1]);
        Assert.Throws<OverflowException>(() => Queue(A).Forwarded(B, new ProposalValue(B, [foreign]).Encode(), long.MaxValue));
    }

    [Fact]
    public void Deadline_answers_say_whether_the_command_may_still_run()
    {
        var options = Options with { ProposeTimeout = TimeSpan.FromMilliseconds(100), BatchProposeLinger = TimeSpan.FromMilliseconds(5), BatchProposeMaxCount = 2 };
        var shared = Queue(B, options);
        Submit(shared, 0, batch: true);
        Submit(shared, 50, batch: true);
        Assert.Equal(new Failed(ClientFailure.Timeout, "No decision within the propose timeout; the command may still run.", true), Answered(shared.Tick(100)));
        Assert.Equal(new Failed(ClientFailure.Timeout, "No decision within the propose timeout; the command never reached an accept and will not run.", false), Answered(shared.Tick(150)));

        var queued = Queue(B, options);
        Submit(queued, 0);
        Submit(queued, 50);
        queued.Tick(100);
        Assert.Equal(new Failed(ClientFailure.Timeout, "No decision within the propose timeout; the command never reached an accept and will not run.", false), Answered(queued.Tick(150)));

        var (handed, _) = HandedAt(A);
        Assert.Equal(new Failed(ClientFailure.Timeout, "No decision within the propose timeout; the command was handed to a leader and may still run.", true), Answered(handed.Tick(20_000)));

        // The proposer is busy with another node's command: this one never left the queue.
        var waiting = Queue(B, options);
        waiting.Forwarded(C, new ProposalValue(C, [new StoredCommand(C, Session, 1, 1, 1, 0, string.Empty, [1])]).Encode(), 0);
        Submit(waiting, 0);
        Assert.Equal(new Failed(ClientFailure.Timeout, "No decision within the propose timeout; the command was never sent and will not run.", false), Answered(waiting.Tick(100)));
    }

    [Fact]
    public void A_halt_refuses_every_handed_command_held_and_forgets_them()
    {
        var leader = Queue(A);
        var first = new StoredCommand(B, Session, 1, 1, 1, 0, string.Empty, [1]);
        var second = new StoredCommand(B, Session, 2, 1, 1, 0, string.Empty, [1]);
        leader.Forwarded(B, new ProposalValue(B, [first]).Encode(), 0);
        leader.Forwarded(B, new ProposalValue(B, [second]).Encode(), 0);
        Assert.Equal(2, leader.ForeignPending);
        var refused = Assert.Single(leader.Halt("diverged").OfType<RefuseCommands>());
        Assert.Equal((B, Session, ClientFailure.GroupHalted, "diverged"), (refused.To, refused.Session, refused.Reason, refused.Message));
        Assert.Equal([1L, 2L], refused.Sequences.Order());
        Assert.Equal(0, leader.ForeignPending);
        Assert.False(leader.Proposer.IsBusy);

        // Not held any more, whether it was in the value or still queued: handed again, each is
        // refused for the halt, not dropped as a copy.
        Assert.Single(leader.Forwarded(B, new ProposalValue(B, [first]).Encode(), 1).OfType<RefuseCommands>());
        Assert.Single(leader.Forwarded(B, new ProposalValue(B, [second]).Encode(), 1).OfType<RefuseCommands>());
    }

    [Fact]
    public void A_chosen_value_releases_the_handed_commands_it_carried()
    {
        var leader = Queue(A);
        var foreign = new StoredCommand(B, Session, 1, 1, 1, 0, string.Empty, [1]);
        leader.Forwarded(B, new ProposalValue(B, [foreign]).Encode(), 0);
        var value = ValueIn(Promise(leader, A, B, 0));
        Assert.Equal(B, value.Commands.Single().Origin);
        var b = leader.Proposer.Ballot;
        leader.Handle(new AcceptReply(0, A, b, true, b), 1);
        leader.Handle(new AcceptReply(0, B, b, true, b), 1);
        leader.Learned(new InstanceLearned(0, value.Encode(), Checksum.Next(0, value.Encode())), 1);
        Assert.Equal(0, leader.ForeignPending);
        Assert.DoesNotContain(leader.Forwarded(B, new ProposalValue(B, [foreign]).Encode(), 2), e => e is Rejected);
        Assert.Equal(1, leader.ForeignPending);
    }

    [Fact]
    public void A_conflict_refuses_the_handed_commands_in_the_value_back_to_their_origin()
    {
        var leader = Queue(A, Options with { MaxConflictRetries = 0 });
        var foreign = new StoredCommand(B, Session, 1, 1, 1, 0, string.Empty, [1]);
        leader.Forwarded(B, new ProposalValue(B, [foreign]).Encode(), 0);
        Promise(leader, A, B, 0);
        var effects = leader.Learned(new InstanceLearned(0, new ProposalValue(C, []).Encode(), 1), 1);
        var refused = Assert.Single(effects.OfType<RefuseCommands>());
        Assert.Equal((B, Session, ClientFailure.Conflict), (refused.To, refused.Session, refused.Reason));
        Assert.Equal([1L], refused.Sequences);
        Assert.Equal(0, leader.ForeignPending);
        Assert.DoesNotContain(leader.Forwarded(B, new ProposalValue(B, [foreign]).Encode(), 2), e => e is Rejected);
    }

    [Fact]
    public void A_conflict_answers_only_the_commands_still_in_the_value_not_earlier_chosen_ones()
    {
        var q = Queue(B, Options with { MaxConflictRetries = 0, ForwardToLeader = false });
        var first = Submit(q, 0);
        var value = ValueIn(Promise(q, B, A, 0));
        var second = Submit(q, 0);
        var b = q.Proposer.Ballot;
        q.Handle(new AcceptReply(0, B, b, true, b), 1);
        q.Handle(new AcceptReply(0, A, b, true, b), 1);

        // The first is chosen and the second goes out at once (same ballot); another value wins instance 1.
        Assert.Contains(q.Learned(new InstanceLearned(0, value.Encode(), 1), 1), e => e is Send { Message: Accept { Instance: 1 } });
        var effects = q.Learned(new InstanceLearned(1, new ProposalValue(C, []).Encode(), 2), 2);
        Assert.Equal([second], effects.OfType<Answer>().Select(a => a.Sequence));
        Assert.Equal(new Ran(0, 0, "ok"), Assert.Single(q.Executed(Session, first, 0, 0, "ok", 3).OfType<Answer>()).Outcome);
    }

    [Fact]
    public void A_conflict_skips_commands_of_the_value_already_answered()
    {
        var options = Options with { MaxConflictRetries = 0, ProposeTimeout = TimeSpan.FromMilliseconds(100), BatchProposeLinger = TimeSpan.FromMilliseconds(5), BatchProposeMaxCount = 2 };
        var q = Queue(B, options);
        Submit(q, 0, batch: true);
        var second = Submit(q, 50, batch: true);
        Promise(q, B, A, 50);
        q.Tick(100);
        var effects = q.Learned(new InstanceLearned(0, new ProposalValue(C, []).Encode(), 1), 101);
        Assert.Equal([second], effects.OfType<Answer>().Select(a => a.Sequence));
    }

    [Fact]
    public void A_handed_command_that_loses_a_conflict_here_waits_for_a_floor_and_its_fence_goes_again()
    {
        var options = Options with { MaxConflictRetries = 0 };
        var q = Queue(B, options);
        q.Learned(new InstanceLearned(0, new ProposalValue(A, []).Encode(), 1), 0);
        var sequence = Submit(q, 1);
        q.PeerDown(A, 2);
        Promise(q, B, C, 2, instance: 1);

        // Its value loses (to values that name no leader): it was handed once, so it may still
        // run from the old leader's copy.
        var effects = q.Learned(new InstanceLearned(1, [9, 9], 2), 3);
        Assert.Empty(effects.OfType<Answer>());

        // A fence carries a floor above it; the fence loses too and goes again.
        Promise(q, B, A, 4, instance: 2);
        var again = q.Learned(new InstanceLearned(2, [9, 9], 3), 5);
        Assert.Empty(again.OfType<Answer>());
        Assert.True(q.Proposer.IsBusy);
        var fence = ValueIn(Promise(q, B, A, 6, instance: 3)).Commands.Single();
        Assert.True(fence.IsFence);
        Assert.Equal((string.Empty, 0), (fence.Manifest, fence.Payload.Length));
        var answer = (Failed)Assert.Single(q.FloorPassed(Session, fence.Floor, 7).OfType<Answer>()).Outcome;
        Assert.Equal(new Failed(ClientFailure.Conflict, "Other values won 1 instances in a row. The command did not run.", false), answer);
        Assert.Equal(sequence + 1, fence.Sequence);
    }

    [Fact]
    public void The_deliberate_refusal_is_final_bug_answers_did_not_run_at_once()
    {
        var options = Options with { Bugs = DeliberateBugs.RefusalIsFinal };
        var q = Queue(B, options);
        q.Learned(new InstanceLearned(0, new ProposalValue(A, []).Encode(), 1), 0);
        var sequence = Submit(q, 1);
        var answer = Assert.Single(q.Refused(A, Session, [sequence], ClientFailure.Overloaded, "full", 2).OfType<Answer>());
        Assert.Equal(new Answer(sequence, new Failed(ClientFailure.Overloaded, "full", false)), answer);
    }

    [Fact]
    public void Taken_back_commands_are_proposed_in_their_order()
    {
        var options = Options with { BatchProposeLinger = TimeSpan.FromMilliseconds(5), BatchProposeMaxCount = 3 };
        var q = Queue(B, options);
        q.Learned(new InstanceLearned(0, new ProposalValue(A, []).Encode(), 1), 0);
        for (var i = 0; i < 3; i++)
        {
            Submit(q, 1, batch: true);
        }

        q.PeerDown(A, 2);
        Assert.Equal([1L, 2L, 3L], ValueIn(Promise(q, B, C, 3, instance: 1)).Commands.Select(c => c.Sequence));
    }

    [Fact]
    public void A_manifest_counts_towards_the_value_size()
    {
        var options = Options with { BatchProposeLinger = TimeSpan.FromMilliseconds(5), BatchProposeMaxCount = 2, MaxValueSize = 115 };
        var q = Queue(B, options);
        q.Submit(1, 0, "0123456789", [], batch: true, now: 0);
        q.Submit(1, 0, "0123456789", [], batch: true, now: 0);
        Assert.Single(ValueIn(Promise(q, B, A, 1)).Commands);
    }

    [Fact]
    public void A_value_out_in_an_accept_for_the_open_instance_is_not_handed_over()
    {
        // B adopts C's value for instance 0, chooses it, and goes on at once with its own in instance 1.
        var q = Queue(B);
        Submit(q, 0);
        var b = q.Proposer.Ballot;
        var adopted = new ProposalValue(C, []).Encode();
        q.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null), 0);
        q.Handle(new PrepareReply(0, A, b, true, b, new Ballot(1, C), adopted), 0);
        q.Handle(new AcceptReply(0, B, b, true, b), 0);
        q.Handle(new AcceptReply(0, A, b, true, b), 0);
        var effects = q.Learned(new InstanceLearned(0, adopted, 1), 1);
        Assert.Contains(effects, e => e is Send { Message: Accept { Instance: 1 } });
        Assert.DoesNotContain(effects, e => e is ForwardCommands);
        Assert.True(q.Proposer.OwnValueMayBeChosen);
    }

    [Fact]
    public void A_value_that_carries_handed_commands_is_not_handed_over()
    {
        var q = Queue(B, Options with { BatchProposeLinger = TimeSpan.FromMilliseconds(5), BatchProposeMaxCount = 2 });
        Submit(q, 0, batch: true);
        var foreign = new StoredCommand(C, Session, 1, 1, 1, 0, string.Empty, [1]);
        q.Forwarded(C, new ProposalValue(C, [foreign]).Encode(), 0);
        Assert.Contains(q.Tick(5), e => e is Send { Message: Prepare });
        Assert.Equal(1, q.ForeignPending);

        var effects = q.Learned(new InstanceLearned(0, new ProposalValue(A, []).Encode(), 1), 6);
        Assert.DoesNotContain(effects, e => e is ForwardCommands);
        Assert.True(q.Proposer.IsBusy);
    }

    [Fact]
    public void A_hand_over_frees_the_proposer()
    {
        var q = Queue(B);
        Submit(q, 0);
        Assert.True(q.Proposer.IsBusy);
        Assert.Single(q.Learned(new InstanceLearned(0, new ProposalValue(A, []).Encode(), 1), 1).OfType<ForwardCommands>());
        Assert.False(q.Proposer.IsBusy);
    }

    [Fact]
    public void No_fence_while_any_open_command_is_below_any_refused_one()
    {
        var options = Options with { BatchProposeLinger = TimeSpan.FromMilliseconds(5), BatchProposeMaxCount = 3 };
        foreach (var refused in new long[][] { [2], [1, 3] })
        {
            var q = Queue(B, options);
            q.Learned(new InstanceLearned(0, new ProposalValue(A, []).Encode(), 1), 0);
            for (var i = 0; i < 3; i++)
            {
                Submit(q, 1, batch: true);
            }

            Assert.DoesNotContain(q.Refused(A, Session, refused, ClientFailure.Overloaded, "full", 2), e => e is ForwardCommands);
        }
    }

    [Fact]
    public void A_command_taken_back_and_handed_to_a_new_leader_is_timed_from_the_new_hand_over()
    {
        var q = Queue(B);
        q.Learned(new InstanceLearned(0, new ProposalValue(A, []).Encode(), 1), 0);
        Submit(q, 1);
        Assert.Contains(q.PeerDown(A, 2), e => e is Send { Message: Prepare });

        // C decides instance 1 before the command went out in an accept: it is handed to C.
        Assert.Single(q.Learned(new InstanceLearned(1, new ProposalValue(C, []).Encode(), 2), 50).OfType<ForwardCommands>());
        Assert.DoesNotContain(q.Tick(101), e => e is Send { Message: Prepare });
        Assert.Equal(C, q.Leader(101));
        Assert.Contains(q.Tick(150), e => e is Send { Message: Prepare });
    }

    private static Failed Refusal((long Sequence, IReadOnlyList<Effect> Effects) submitted) =>
        (Failed)Assert.Single(submitted.Effects.OfType<Answer>(), a => a.Sequence == submitted.Sequence).Outcome;

    private static Failed Answered(IReadOnlyList<Effect> effects) => (Failed)Assert.Single(effects.OfType<Answer>()).Outcome;
}
