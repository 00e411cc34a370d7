using System.Diagnostics;
using Akka.Actor;
using PaxosActors.TestKit;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Master;

/// <summary>
/// The master lease on real nodes (Akka.Remote, SQLite): one master that every node agrees on,
/// failover when it crashes, DropMaster, a restarted node that never reads the lease as zero,
/// and the version fencing a state machine.
/// </summary>
public sealed class MasterClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task One_master_that_every_node_agrees_on_and_a_group_without_one_says_so()
    {
        await using var cluster = await StartAsync();
        var changed = new List<MasterChanged>();
        cluster.System(2).EventStream.Subscribe(Listen(cluster.System(2), changed), typeof(MasterChanged));

        var views = await AwaitMasterAsync(cluster, m => m > 0);
        Assert.Single(views, v => v.IsSelf);
        Assert.All(views, v => Assert.True(v.LeaseRemainingMs > 0));
        var master = views[0].NodeId;
        Assert.True(await PaxosExtension.Get(cluster.System(master)).IsMasterAsync("test"));
        Assert.False(await PaxosExtension.Get(cluster.System(master % 3 + 1)).IsMasterAsync("test"));
        await Eventually.HoldsAsync(() => { lock (changed) { return changed.Any(c => c.MasterNodeId == master); } }, Ceiling, () => "node 2 published the master");

        var reserved = Assert.IsType<ProposeFailed>(await cluster.Group(1).Ask<object>(new Propose("1", Core.StoredCommand.MasterMachine), Ceiling));
        Assert.Equal(ProposeFailureReason.UnknownStateMachine, reserved.Reason);

        await using var plain = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions { Nodes = 1, StateMachines = (_, _) => [new FencedCounter()] });
        var none = await PaxosExtension.Get(plain.System(1)).GetMasterAsync("test");
        Assert.Equal((0, false), (none!.NodeId, none.Enabled));
    }

    [Fact]
    public async Task When_the_master_crashes_another_member_takes_over_and_the_old_version_is_fenced()
    {
        await using var cluster = await StartAsync();
        var first = (await AwaitMasterAsync(cluster, m => m > 0))[0];
        Assert.Equal("counted", (await Count(cluster, first.NodeId, first.Version)).Result);

        var watch = Stopwatch.StartNew();
        await cluster.CrashAsync(first.NodeId);
        var next = (await AwaitMasterAsync(cluster, m => m > 0 && m != first.NodeId))[0];
        output.WriteLine($"failover after a crash: {watch.ElapsedMilliseconds} ms (lease 2 s)");
        Assert.True(next.Version > first.Version);

        // Work the old master sent late is refused on every node, the new master's counts. Each
        // renewal is a new version too, and one may land between reading the version and using
        // it: the work then carries the version read just before.
        var survivor = cluster.Running[0];
        Assert.StartsWith("fenced", (string)(await Count(cluster, survivor, first.Version)).Result!, StringComparison.Ordinal);
        var deadline = DateTime.UtcNow + Ceiling;
        string counted;
        var version = next.Version;
        while ((counted = (string)(await Count(cluster, survivor, version)).Result!) != "counted" && DateTime.UtcNow < deadline)
        {
            version = (await cluster.Group(next.NodeId).Ask<MasterInfo>(GetMaster.Instance, Ceiling)).Version;
        }

        Assert.Equal("counted", counted);

        await cluster.RestartAsync(first.NodeId);
        await cluster.AwaitConvergenceAsync(Ceiling);
        var histories = cluster.Running.Select(n => cluster.StateMachine<FencedCounter>(n)).ToList();
        Assert.All(histories, h => Assert.Equal(2, h.Count));
        Assert.All(histories, h => Assert.Equal(histories[0].Masters.Where(m => m.Version >= next.Version).Take(1), h.Masters.Where(m => m.Version >= next.Version).Take(1)));
    }

    [Fact]
    public async Task A_dropped_lease_goes_to_another_member_and_a_restarted_node_never_reads_it_as_zero()
    {
        await using var cluster = await StartAsync();
        var first = (await AwaitMasterAsync(cluster, m => m > 0))[0];
        var dropped = await PaxosExtension.Get(cluster.System(first.NodeId)).DropMasterAsync("test");
        Assert.False(dropped!.IsSelf);
        Assert.False(await PaxosExtension.Get(cluster.System(first.NodeId)).IsMasterAsync("test"));
        var next = (await AwaitMasterAsync(cluster, m => m > 0 && m != first.NodeId))[0];

        var other = cluster.Nodes.First(n => n != next.NodeId);
        await cluster.CrashAsync(other);
        await cluster.RestartAsync(other);
        var seen = await PaxosExtension.Get(cluster.System(other)).GetMasterAsync("test");
        Assert.Equal(next.NodeId, seen!.NodeId);
        Assert.True(seen.LeaseRemainingMs > 0, $"{seen}");
        Assert.False(seen.IsSelf);
    }

    private static async Task<ProposeResult> Count(PaxosTestCluster cluster, int node, long version) =>
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(node, version.ToString(System.Globalization.CultureInfo.InvariantCulture), Ceiling));

    private static Task<PaxosTestCluster> StartAsync() =>
        PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (_, _) => [new FencedCounter()],
            ExtraConfig = "paxos-actors.groups.test.master = on\npaxos-actors.master.lease = 2s\npaxos-actors.proposer { prepare-timeout = 300ms, accept-timeout = 300ms }\nakka.loglevel = ERROR",
        });

    private static Task<MasterInfo[]> AwaitMasterAsync(PaxosTestCluster cluster, Func<int, bool> wanted) => MasterViews.AgreedAsync(cluster, wanted, Ceiling);

    private static IActorRef Listen(ActorSystem system, List<MasterChanged> seen) => system.ActorOf(Props.Create(() => new Collector(seen)));

    private sealed class Collector : ReceiveActor
    {
        public Collector(List<MasterChanged> seen) => Receive<MasterChanged>(e =>
        {
            lock (seen)
            {
                seen.Add(e);
            }
        });
    }
}
