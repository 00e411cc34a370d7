using System.Diagnostics;
using PaxosActors.Kv;
using PaxosActors.TestKit;
using PaxosActors.Tests.Master;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Reads;

/// <summary>
/// Lease reads on real nodes (Akka.Remote, SQLite): the master answers a read from its own state
/// with no round, other nodes go through the read barrier, a non-master's write is handed to the
/// master, and a master cut off from the others stops answering once its lease has run out
/// rather than answer something old while the others elect a new master and write on.
/// </summary>
public sealed class LeaseReadClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_master_reads_without_a_round_and_other_nodes_through_the_barrier()
    {
        await using var cluster = await StartAsync();
        var master = await AwaitMasterAsync(cluster, _ => true);
        var other = cluster.Nodes.First(n => n != master);
        using var counts = CounterProbe.For(cluster, "paxos.group.read.lease", "paxos.group.read.barrier");

        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(other, new KvPut("k", "v1"), Ceiling));
        var read = Assert.IsType<ProposeResult>(await PaxosExtension.Get(cluster.System(master)).ReadAsync("test", new KvGet("k"), Ceiling));
        Assert.Equal(new KvResult(true, "v1"), read.Result);
        await counts.WaitAsync(c => c["paxos.group.read.lease"] == 1, Ceiling);
        Assert.Equal(0, counts.Snapshot()["paxos.group.read.barrier"]);

        var elsewhere = Assert.IsType<ProposeResult>(await PaxosExtension.Get(cluster.System(other)).ReadAsync("test", new KvGet("k"), Ceiling));
        Assert.Equal(new KvResult(true, "v1"), elsewhere.Result);
        await counts.WaitAsync(c => c["paxos.group.read.barrier"] == 1 && c["paxos.group.read.lease"] == 1, Ceiling);
    }

    [Fact]
    public async Task A_master_cut_off_answers_nothing_old_while_the_others_take_over_and_write()
    {
        await using var cluster = await StartAsync(lease: "4s");
        var master = await AwaitMasterAsync(cluster, _ => true);
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(master, new KvPut("k", "old"), Ceiling));

        cluster.Isolate(master);
        var watch = Stopwatch.StartNew();
        var writer = cluster.Nodes.First(n => n != master);
        ProposeReply written;
        do
        {
            // The others' acceptors vote for the old master alone until its lease runs out there.
            written = await cluster.ProposeAsync(writer, new KvPut("k", "new"), Ceiling);
        }
        while (written is not ProposeResult && watch.Elapsed < Ceiling);

        Assert.IsType<ProposeResult>(written);
        output.WriteLine($"a write through node {writer} with master {master} cut off took {watch.ElapsedMilliseconds} ms (lease 4 s)");

        // At once: the write got through only after the old master's lease had run out on the
        // others' acceptors, and so on the old master too. It reads through the barrier now,
        // gets no majority, and says so instead of answering "old".
        var cutOff = await PaxosExtension.Get(cluster.System(master)).ReadAsync("test", new KvGet("k"), TimeSpan.FromSeconds(3));
        Assert.Equal(ProposeFailureReason.Timeout, Assert.IsType<ProposeFailed>(cutOff).Reason);
        var next = await AwaitMasterAsync(cluster, m => m != master, cluster.Nodes.Where(n => n != master));
        Assert.NotEqual(master, next);

        cluster.Heal();
        var healed = Assert.IsType<ProposeResult>(await PaxosExtension.Get(cluster.System(master)).ReadAsync("test", new KvGet("k"), Ceiling));
        Assert.Equal(new KvResult(true, "new"), healed.Result);
    }

    /// <param name="lease">
    /// Long enough, in the cut-off test, that the master still holds its lease (renewed at
    /// 30-50% of it) when a node that passed it over could write without the fence.
    /// </param>
    private static Task<PaxosTestCluster> StartAsync(string lease = "2s") =>
        PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (_, _) => [new KvStateMachine()],
            ExtraConfig = KvStateMachine.Config.Root + "\npaxos-actors.groups.test.master = on\npaxos-actors.master.lease = " + lease + "\npaxos-actors.propose-timeout = 3s\npaxos-actors.proposer { prepare-timeout = 300ms, accept-timeout = 300ms }\nakka.loglevel = ERROR",
        });

    /// <summary>The node that <paramref name="among"/> (all nodes by default) agree holds the lease, one that <paramref name="wanted"/> accepts.</summary>
    private static async Task<int> AwaitMasterAsync(PaxosTestCluster cluster, Func<int, bool> wanted, IEnumerable<int>? among = null) =>
        (await MasterViews.AgreedAsync(cluster, m => m > 0 && wanted(m), Ceiling, among ?? cluster.Nodes))[0].NodeId;
}
