using Akka.Actor;
using PaxosActors.Kv;
using PaxosActors.TestKit;

namespace PaxosActors.Tests.Reads;

/// <summary>
/// Reads without writes on real nodes: a node that has not heard of a write finishes catching up
/// before it answers; a node cut off from the majority answers nothing rather than something old;
/// the log gains no instance for a read.
/// </summary>
public sealed class ReadBarrierClusterTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_read_sees_every_write_that_finished_before_it_and_a_cut_off_node_does_not_answer()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (_, _) => [new KvStateMachine()],
            ExtraConfig = KvStateMachine.Config.Root + "\nakka.loglevel = ERROR\npaxos-actors.learn-interval = 30s\npaxos-actors.propose-timeout = 2s\npaxos-actors.forward-to-leader = off",
        });
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, new KvPut("k", "old"), Wait));
        await cluster.AwaitConvergenceAsync(Wait);

        // Node 3 hears nothing from node 1, the writer: the write is chosen by 1 and 2 without it,
        // and with learn-interval at 30 s it would not ask for it by itself.
        cluster.SetLink(1, 3, new LinkRule(DropProbability: 1.0));
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, new KvPut("k", "new"), Wait));
        var before = (await cluster.Group(3).Ask<GroupStatus>(GetGroupStatus.Instance, Wait)).Executed;

        var read = Assert.IsType<ProposeResult>(await PaxosExtension.Get(cluster.System(3)).ReadAsync("test", new KvGet("k"), Wait));
        Assert.Equal(new KvResult(true, "new"), read.Result);
        var after = await Task.WhenAll(cluster.Nodes.Select(n => cluster.Group(n).Ask<GroupStatus>(GetGroupStatus.Instance, Wait)));
        Assert.All(after, s => Assert.Equal(2, s.Executed));
        Assert.True(before < 2, "node 3 had not executed the write before the read");

        // Cut off from both others, node 3 gets no majority: the read fails, nothing stale.
        cluster.Isolate(3);
        var refused = Assert.IsType<ProposeFailed>(await PaxosExtension.Get(cluster.System(3)).ReadAsync("test", new KvGet("k"), Wait));
        Assert.Equal(ProposeFailureReason.Timeout, refused.Reason);
        cluster.Heal();

        var noReads = Assert.IsType<ProposeFailed>(await cluster.Group(1).Ask<object>(new Read("q", StateMachineId: 7), Wait));
        Assert.Equal(ProposeFailureReason.UnknownStateMachine, noReads.Reason);
    }
}
