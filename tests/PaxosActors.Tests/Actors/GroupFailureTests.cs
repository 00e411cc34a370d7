using Akka.Actor;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Actors;

/// <summary>A whole group on one node: bad input gets typed errors, storage failures no false success.</summary>
public sealed class GroupFailureTests(ITestOutputHelper output) : JournalTestKit(output, SingleNodeGroup)

{
    private readonly RecordingStateMachine _machine = new();

    /// <summary>A failed write (storage out) and a rejected one (the journal refused the event) alike.</summary>
    [Theory]
    [InlineData("fail")]
    [InlineData("reject")]
    public async Task A_journal_failure_gives_no_false_success_and_the_group_recovers_when_storage_does(string fault)
    {
        var group = await PaxosExtension.Get(Sys).StartGroupAsync("g", _machine);
        Assert.IsType<ProposeResult>(await group.Ask<object>(new Propose("a"), TimeSpan.FromSeconds(5)));

        await (fault == "fail" ? Journal.OnWrite.Fail() : Journal.OnWrite.Reject());
        var during = await group.Ask<object>(new Propose("b"), TimeSpan.FromSeconds(5));
        var failed = Assert.IsType<ProposeFailed>(during);
        Assert.Equal(ProposeFailureReason.Timeout, failed.Reason);

        await Journal.OnWrite.Pass();
        var after = await AwaitAssertAsync(group, "c");
        Assert.IsType<ProposeResult>(after);
        var commands = _machine.Log.Select(e => e.Command).ToList();
        Assert.Equal("a", commands[0]);
        Assert.Equal("c", commands[^1]);
        if (!failed.OutcomeUnknown)
        {
            Assert.DoesNotContain("b", commands);
        }
    }

    [Fact]
    public async Task Bad_proposals_get_typed_errors_before_anything_is_proposed()
    {
        var paxos = PaxosExtension.Get(Sys);
        var group = await paxos.StartGroupAsync("g", _machine);

        var tooLarge = await group.Ask<ProposeFailed>(new Propose(new string('x', 2048)), TimeSpan.FromSeconds(5));
        Assert.Equal(ProposeFailureReason.ValueTooLarge, tooLarge.Reason);
        Assert.False(tooLarge.OutcomeUnknown);

        var unknownMachine = await group.Ask<ProposeFailed>(new Propose("x", StateMachineId: 9), TimeSpan.FromSeconds(5));
        Assert.Equal(ProposeFailureReason.UnknownStateMachine, unknownMachine.Reason);

        var unknownGroup = Assert.IsType<ProposeFailed>(await paxos.ProposeAsync("nope", "x", TimeSpan.FromSeconds(5)));
        Assert.Equal(ProposeFailureReason.UnknownGroup, unknownGroup.Reason);

        Assert.Throws<ArgumentException>(() => paxos.StartGroupAsync("not-configured", _machine).GetAwaiter().GetResult());
        var reserved = Assert.Throws<ArgumentException>(() => paxos.StartGroupAsync("g", new RecordingStateMachine(-1)).GetAwaiter().GetResult());
        Assert.Contains("got [-1]", reserved.Message);
        Assert.Throws<ArgumentException>(() => paxos.StartGroupAsync("g", new RecordingStateMachine(-2)).GetAwaiter().GetResult());
        Assert.IsType<ProposeResult>(await group.Ask<object>(new Propose("fine"), TimeSpan.FromSeconds(5)));
        Assert.Equal(["fine"], _machine.Log.Select(e => e.Command));
    }

    [Fact]
    public async Task A_full_queue_answers_overloaded_at_once_and_every_caller_gets_exactly_one_reply()
    {
        var group = await PaxosExtension.Get(Sys).StartGroupAsync("g", _machine);

        // Started: the acceptor has recovered and made the node's new session durable.
        await group.Ask<GroupStatus>(GetGroupStatus.Instance, TimeSpan.FromSeconds(10));

        // Writes that take longer than the test keep every proposal waiting, so the queue of
        // 100 fills and stays full whatever the machine's speed.
        await Journal.OnWrite.PassWithDelay(TimeSpan.FromSeconds(30));
        var asks = Enumerable.Range(0, 400).Select(i => group.Ask<object>(new Propose($"v{i}"), TimeSpan.FromSeconds(10))).ToList();
        var replies = await Task.WhenAll(asks);

        var failures = replies.Cast<ProposeFailed>().ToList();
        Assert.Equal(300, failures.Count(f => f.Reason == ProposeFailureReason.Overloaded && !f.OutcomeUnknown));
        var timeouts = failures.Where(f => f.Reason == ProposeFailureReason.Timeout).ToList();
        Assert.Equal(100, timeouts.Count);

        // No value got its promise written, so none reached an accept. A caller whose command
        // sits in a value that others still wait for cannot be told "will not run" (the value may
        // yet be chosen); the last caller of each value can, as the value is given up then.
        Assert.Contains(timeouts, t => !t.OutcomeUnknown);
        Assert.Empty(_machine.Log);
    }

    private static async Task<object> AwaitAssertAsync(IActorRef group, string command)
    {
        for (var attempt = 0; ; attempt++)
        {
            var reply = await group.Ask<object>(new Propose(command), TimeSpan.FromSeconds(5));
            if (reply is ProposeResult || attempt == 5)
            {
                return reply;
            }
        }
    }
}
