using PaxosActors.Kv;
using PaxosActors.TestKit;

namespace PaxosActors.Tests.Reads;

/// <summary>
/// The read barrier's liveness gap on real nodes: a proposer dies after one other acceptor
/// accepted its value, so a read whose majority includes that acceptor waits for an instance no
/// one decides. The reading node's proposer is nudged to close it with a fence, and the read
/// answers (with the value the dead proposer left, which the fence's round got chosen).
/// </summary>
public sealed class ReadNudgeClusterTests
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_read_waiting_for_an_instance_a_dead_proposer_left_open_gets_it_closed()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 5,
            StateMachines = (_, _) => [new KvStateMachine()],
            ExtraConfig = KvStateMachine.Config.Root + "\nakka.loglevel = ERROR\npaxos-actors.learn-interval = 30s\npaxos-actors.propose-timeout = 10s\npaxos-actors.forward-to-leader = off\npaxos-actors.proposer { prepare-timeout = 300ms, accept-timeout = 300ms }",
        });
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, new KvPut("k", "v0"), Ceiling));
        await cluster.AwaitConvergenceAsync(Ceiling);

        // Node 1 holds the promises now and goes straight to accepts: only node 2 hears this one.
        using var accepted = CounterProbe.For(cluster.System(2), "paxos.acceptor.accept.accepted");
        foreach (var to in new[] { 3, 4, 5 })
        {
            cluster.SetLink(1, to, new LinkRule(DropProbability: 1.0));
        }

        var lost = cluster.ProposeAsync(1, new KvPut("k", "v1"), Ceiling);
        await accepted.WaitAsync(c => c["paxos.acceptor.accept.accepted"] >= 1, Ceiling);
        await cluster.CrashAsync(1);
        _ = lost.ContinueWith(_ => { }, TaskScheduler.Default);

        // Node 3's round can only get its majority from 2, 3 and 4: node 2's read index is past
        // the open instance, which no one decides until node 3's proposer is nudged.
        cluster.SetLink(5, 3, new LinkRule(DropProbability: 1.0));
        cluster.SetLink(3, 5, new LinkRule(DropProbability: 1.0));
        using var nudges = CounterProbe.For(cluster.System(3), "paxos.group.read.nudge");
        var reply = await PaxosExtension.Get(cluster.System(3)).ReadAsync("test", new KvGet("k"), TimeSpan.FromSeconds(8));
        var read = Assert.IsType<ProposeResult>(reply is ProposeFailed f ? throw new InvalidOperationException($"The read failed: {f.Reason}: {f.Message}") : reply);
        Assert.Equal(new KvResult(true, "v1"), read.Result);
        Assert.True(nudges.Snapshot()["paxos.group.read.nudge"] >= 1, "the read was answered without a nudge");
    }
}
