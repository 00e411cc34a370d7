using System.Diagnostics;
using Akka.Actor;
using PaxosActors.Kv;
using PaxosActors.Linearizability;
using PaxosActors.TestKit;
using PaxosActors.Tests.Chaos;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Members;

/// <summary>
/// Members added, removed and replaced while 16 clients run KV operations through every node:
/// the history stays linearizable, every node ends with the same state, and every change lands.
/// PAXOS_RECONFIG_OPS sets the operations (default 4,000); the load goes on after them until
/// every change has landed.
/// </summary>
public sealed class ReconfigurationUnderLoadTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Adding_removing_and_replacing_members_under_load_keeps_the_history_linearizable()
    {
        var operations = int.TryParse(Environment.GetEnvironmentVariable("PAXOS_RECONFIG_OPS"), out var n) ? n : 4_000;
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 5,
            Members = [1, 2, 3],
            Seed = 5,
            StateMachines = (_, _) => [new KvStateMachine()],
            ExtraConfig = KvStateMachine.Config.Root + """

                akka.loglevel = ERROR
                akka.remote.log-remote-lifecycle-events = off
                paxos-actors.propose-timeout = 3s
                paxos-actors.learn-interval = 300ms
                paxos-actors.proposer { prepare-timeout = 150ms, accept-timeout = 150ms, max-round-timeout = 1s }
                """,
        });

        var workload = new KvWorkload(cluster, keys: 40, hotKeys: 2, seed: 5);
        var clock = Stopwatch.StartNew();

        // The load goes on until every change has landed, however long the changes take.
        using var changing = new CancellationTokenSource();
        var load = workload.RunAsync(clients: 16, operations, TimeSpan.FromSeconds(120), keepGoing: changing.Token);
        string Address(int node) => cluster.Address(node).ToString();
        object[] steps =
        [
            new AddMember(4, Address(4)),
            new RemoveMember(1),
            new ChangeMember(2, 5, Address(5)),
            new AddMember(1, Address(1)),
            new RemoveMember(4),
            new ChangeMember(3, 2, Address(2)),
        ];
        var applied = new List<string>();
        foreach (var step in steps)
        {
            // Each change lands among operations: the load has moved on since the last one.
            var done = workload.Completed;
            await Eventually.HoldsAsync(() => workload.Completed >= done + 100, Ceiling, () => $"100 operations after {done}; {workload.Completed} done");
            var views = await Task.WhenAll(cluster.Running.Select(node => cluster.Group(node).Ask<GroupMembership>(GetMembership.Instance, Ceiling)));
            var voter = views.MaxBy(v => v.Version)!.Members.First(m => m.Voting).NodeId;
            var reply = await cluster.Group(voter).Ask<MemberChangeReply>(step, Ceiling);
            var succeeded = reply as MemberChangeSucceeded ?? throw new Xunit.Sdk.XunitException($"{step} at node {voter}: {reply}");
            applied.Add($"{step.GetType().Name} -> v{succeeded.Membership.Version} [{string.Join(",", succeeded.Membership.Members.Select(m => m.NodeId))}]");
        }

        await changing.CancelAsync();
        await load;
        await cluster.AwaitConvergenceAsync(Ceiling);
        var final = await cluster.Group(1).Ask<GroupMembership>(GetMembership.Instance, Ceiling);
        Assert.Equal([1, 2, 5], final.Members.Select(m => m.NodeId));
        Assert.All(final.Members, m => Assert.True(m.Voting));
        await workload.ReadAllAsync(1);
        await cluster.AwaitConvergenceAsync(Ceiling);

        var history = workload.History;
        var result = Checker.Check(history, TimeSpan.FromSeconds(120));
        output.WriteLine($"{history.Count} operations ({history.Count(o => o.Return is null)} of unknown outcome, failed for sure: {string.Join(", ", workload.Failures.Select(f => $"{f.Key} {f.Value}"))}) in {clock.Elapsed.TotalSeconds:F1} s; changes: {string.Join("; ", applied)}; check: {result.Verdict} {result.Reason}");
        Assert.Equal(Verdict.Linearizable, result.Verdict);
        var finals = cluster.Running.Select(node => cluster.StateMachine<KvStateMachine>(node).Snapshot()).ToList();
        Assert.All(finals, f => Assert.Equal(finals[0], f));
        Assert.True(history.Count(o => o.Ok) > operations / 2, "most operations succeeded");
    }
}
