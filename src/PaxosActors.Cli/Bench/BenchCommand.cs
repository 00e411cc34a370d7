using System.Diagnostics;
using Akka.Actor;
using PaxosActors.Hosting;

namespace PaxosActors.Cli.Bench;

/// <summary>
/// `paxos bench`: three nodes on 127.0.0.1 over Akka.Remote with durable SQLite files, in this
/// process, and N concurrent clients proposing values of a given size for a given time. Prints
/// ops/s, latency percentiles and peak working set, and writes them as JSON with --json.
/// </summary>
internal static class BenchCommand
{
    public static async Task<BenchResult> RunAsync(BenchOptions options, TextWriter output)
    {
        if (Directory.Exists(options.DataDir))
        {
            Directory.Delete(options.DataDir, recursive: true);
        }

        Directory.CreateDirectory(options.DataDir);
        var ports = LocalNodeConfig.FreePorts(3);
        var groups = Enumerable.Range(0, options.Groups).Select(g => $"g{g}").ToList();
        var systems = new List<ActorSystem>();
        var refs = new Dictionary<(int Node, string Group), IActorRef>();
        foreach (var node in ports.Keys.Order())
        {
            var config = LocalNodeConfig.Create(node, ports, Path.Combine(options.DataDir, $"node{node}.db"), groups,
                "akka.loglevel = ERROR\nakka.remote.log-remote-lifecycle-events = off");
            var system = ActorSystem.Create(LocalNodeConfig.SystemName, config);
            systems.Add(system);
            foreach (var g in groups)
            {
                refs[(node, g)] = await PaxosExtension.Get(system).StartGroupAsync(g, new CountingStateMachine());
            }
        }

        output.WriteLine($"3 nodes, {options.Groups} groups, {options.Clients} clients, {options.ValueSize} B values: warming up {options.Warmup.TotalSeconds:F0} s, measuring {options.Duration.TotalSeconds:F0} s");
        var samples = new List<double>[options.Clients];
        var failed = 0L;
        var value = new byte[options.ValueSize];
        Random.Shared.NextBytes(value);
        var start = Stopwatch.GetTimestamp() + (long)(options.Warmup.TotalSeconds * Stopwatch.Frequency);
        var end = start + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(c => Task.Run(async () =>
        {
            var mine = samples[c] = [];
            var target = refs[((c % 3) + 1, groups[c % groups.Count])];
            while (true)
            {
                var call = Stopwatch.GetTimestamp();
                if (call >= end)
                {
                    return;
                }

                var reply = await target.Ask<object>(new Propose(value), TimeSpan.FromSeconds(30));
                var done = Stopwatch.GetTimestamp();
                if (call < start)
                {
                    continue;
                }

                if (reply is ProposeResult)
                {
                    mine.Add(Stopwatch.GetElapsedTime(call, done).TotalMilliseconds);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })));

        var all = samples.SelectMany(s => s).ToList();
        var peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
        var result = new BenchResult(all.Count / options.Duration.TotalSeconds, LatencyMs.Of(all), peak, options.Groups, options.Clients, options.ValueSize, all.Count, failed, options.Duration.TotalSeconds, "in-process, 3 nodes, SQLite");
        await Task.WhenAll(systems.Select(s => s.Terminate()));
        output.WriteLine(result);
        if (options.JsonFile is not null)
        {
            await File.WriteAllTextAsync(options.JsonFile, result.ToJson());
        }

        return result;
    }

    /// <summary>Counts what it runs: the benchmark measures consensus, not a state machine.</summary>
    private sealed class CountingStateMachine : IStateMachine
    {
        private long _count;

        public int Id => 1;

        public object? Execute(long instance, object command) => ++_count;
    }
}
