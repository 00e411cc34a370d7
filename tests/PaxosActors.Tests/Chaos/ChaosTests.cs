using System.Diagnostics;
using PaxosActors.Kv;
using PaxosActors.Linearizability;
using PaxosActors.TestKit;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Chaos;

/// <summary>
/// The KV store on 3 and 5 nodes over Akka.Remote with SQLite files, under a nemesis, with
/// every client operation recorded and the history checked for linearizability; every
/// acknowledged append must be in the final value on every node. Half the operations go to 4 hot
/// append-only keys, half to 100 cold keys. One run is over mutual TLS, where every crash and
/// restart also breaks and makes TLS connections, and one has a master, whose reads are lease reads
/// with no round while its lease holds. PAXOS_CHAOS_OPS sets the operations per run (default 12,000).
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    private const int Keys = 100;
    private const int HotKeys = 4;

    [Theory]
    [InlineData(3, 11, false, false)]
    [InlineData(5, 23, false, false)]
    [InlineData(3, 11, true, false)]
    [InlineData(3, 17, false, true)]
    public async Task Kv_history_under_partitions_crashes_and_lossy_links_is_linearizable_and_loses_no_acknowledged_write(int nodes, int seed, bool tls, bool master)
    {
        var operations = int.TryParse(Environment.GetEnvironmentVariable("PAXOS_CHAOS_OPS"), out var n) ? n : 12_000;
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = nodes,
            Seed = seed,
            Tls = tls,
            StateMachines = (_, _) => [new KvStateMachine()],
            ExtraConfig = KvStateMachine.Config.Root + """

                akka.loglevel = ERROR
                akka.remote.log-remote-lifecycle-events = off
                paxos-actors.propose-timeout = 3s
                paxos-actors.learn-interval = 500ms
                paxos-actors.proposer { prepare-timeout = 150ms, accept-timeout = 150ms, max-round-timeout = 1s }
                """ + (master ? "\npaxos-actors.groups.test.master = on\npaxos-actors.master.lease = 2s" : string.Empty),
        });
        using var reads = CounterProbe.For(cluster, "paxos.group.read.lease", "paxos.group.read.barrier");

        var workload = new KvWorkload(cluster, Keys, HotKeys, seed);
        var nemesis = new Nemesis(cluster, seed);
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var load = workload.RunAsync(clients: 32, operations, TimeSpan.FromSeconds(150));
        var faults = nemesis.RunAsync(TimeSpan.FromSeconds(150), stop.Token);
        await load;
        stop.Cancel();
        await faults;

        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(60));
        await workload.ReadAllAsync(cluster.Running[0]);
        var statuses = await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(60));

        var history = workload.History;
        var result = Checker.Check(history, TimeSpan.FromSeconds(120));
        output.WriteLine($"{nodes} nodes{(tls ? " over TLS" : string.Empty)}{(master ? " with a master" : string.Empty)}: {history.Count} operations ({history.Count(o => o.Return is null)} of unknown outcome) in {clock.Elapsed.TotalSeconds:F1} s, " +
            $"{statuses[0].Executed} instances; faults: {string.Join(", ", nemesis.Injected.OrderBy(f => f.Key).Select(f => $"{f.Key} {f.Value}"))}; " +
            $"messages dropped {cluster.Faults.Dropped}; failed for sure: {string.Join(", ", workload.Failures.Select(f => $"{f.Key} {f.Value}"))}; check: {result.Verdict} in {result.Elapsed.TotalMilliseconds:F0} ms " +
            $"({string.Join(", ", result.PerKey.GroupBy(k => k.Method).Select(g => $"{g.Count()} keys by {g.Key} in {g.Sum(k => k.Elapsed.TotalMilliseconds):F0} ms"))}; " +
            $"hot keys: {string.Join(", ", result.PerKey.Where(k => k.Key.StartsWith('h')).Select(k => $"{k.Key} {k.Operations} ops"))})");
        if (result.Verdict != Verdict.Linearizable)
        {
            var file = Path.Combine(Path.GetTempPath(), $"paxos-chaos-{nodes}-{seed}.json");
            HistoryWriter.Write(file, history.Where(o => o.Key == result.Key));
            output.WriteLine($"key '{result.Key}': {result.Reason}");
            output.WriteLine($"history of key '{result.Key}' written to {file}; check it with: paxos lincheck {file}");
            foreach (var f in workload.FailedOps.Where(o => o.Key == result.Key))
            {
                output.WriteLine($"failed for sure: client {f.Client} {f.Kind} {f.Value} at {f.Call}: {f.Output}");
            }
        }

        Assert.Equal(Verdict.Linearizable, result.Verdict);
        var readPaths = reads.Snapshot();
        output.WriteLine($"reads: {readPaths["paxos.group.read.lease"]} from the master's lease, {readPaths["paxos.group.read.barrier"]} through the barrier");
        Assert.True(!master || readPaths["paxos.group.read.lease"] > 100, "the master served few reads from its lease");

        var finals = cluster.Running.Select(node => cluster.StateMachine<KvStateMachine>(node).Snapshot()).ToList();
        Assert.All(finals, f => Assert.Equal(finals[0], f));
        // An acknowledged append must be in the final value unless an overwrite (a put, or a cas
        // that applied or may have) could come after it.
        var lost = 0;
        foreach (var (key, appended) in workload.AcknowledgedAppends)
        {
            var overwrites = history.Where(o => o.Key == key && (o.Kind == OpKind.Put || (o.Kind == OpKind.Cas && o.Ok))).ToList();
            var final = finals[0].GetValueOrDefault(key) ?? string.Empty;
            foreach (var value in appended)
            {
                var append = history.First(o => o.Kind == OpKind.Append && o.Value == value);
                if (overwrites.All(o => o.Return < append.Call) && !final.Contains(value, StringComparison.Ordinal))
                {
                    lost++;
                }
            }
        }

        Assert.Equal(0, lost);
    }
}
