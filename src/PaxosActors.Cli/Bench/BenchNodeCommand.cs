using System.Diagnostics;
using System.Globalization;
using PaxosActors.Cli.Node;
using PaxosActors.Hosting;

namespace PaxosActors.Cli.Bench;

/// <summary>
/// `paxos bench-node` (internal to `paxos bench`): one node and its share of the clients in
/// this process. Prints READY, waits for GO, runs the load (a node with no clients: until
/// END), writes its latency histogram to the samples file, prints "DONE ops failed
/// seconds peakMb clientMin clientMax journalBytes cpuSeconds gen0 gen1 gen2 gcPauseMs
/// workingSetMbOverTime" (journalBytes, cpuSeconds and the GC figures: what its journal wrote,
/// the CPU time the process used and its collections while measuring), and stops on STOP.
/// </summary>
internal static class BenchNodeCommand
{
    public static async Task<int> RunAsync(string config, IReadOnlyList<string> clientGroups, LoadSpec spec, string samplesFile, TextReader input, TextWriter output)
    {
        var hocon = NodeCommand.Load(config);
        var settings = PaxosSettings.Create(hocon.WithFallback(PaxosExtension.DefaultConfig));
        var system = PaxosActorSystem.Create(LocalNodeConfig.SystemName, hocon);
        try
        {
            using var journal = new JournalBytes(system);
            var refs = await BenchNodes.StartGroupsAsync(system, settings.Groups.Keys.Order().ToList());
            output.WriteLine("READY");
            output.Flush();
            if (await input.ReadLineAsync() != "GO")
            {
                return 1;
            }

            // The working set every few seconds, to show whether memory stays flat over a run.
            var samples = new List<double>();
            var every = TimeSpan.FromSeconds(Math.Max(1, (spec.Warmup + spec.Duration).TotalSeconds / 10));
            using var sampler = new Timer(_ =>
            {
                lock (samples)
                {
                    samples.Add(Environment.WorkingSet / (1024.0 * 1024.0));
                }
            }, null, every, every);
            // The journal's bytes over the measured window: from the end of the warm-up to the end of the load.
            // and the process's CPU time (user + system) and garbage collections over the same window.
            var atStart = Task.Delay(spec.Warmup).ContinueWith(_ => (journal.Total, Cpu.Now, GcFigures.Now), TaskScheduler.Default);
            var load = await BenchLoad.RunAsync(clientGroups.Select(g => refs[g]).ToList(), spec);
            if (clientGroups.Count == 0 && await input.ReadLineAsync() != "END")
            {
                // A node with no clients measures until the nodes with clients are done.
                return 1;
            }

            var cpu = Cpu.Now;
            var gc = GcFigures.Now;
            var (bytesAtStart, cpuAtStart, gcAtStart) = await atStart;
            var written = journal.Total - bytesAtStart;
            await sampler.DisposeAsync();
            await using (var file = File.Create(samplesFile))
            {
                load.Latencies.WriteTo(file);
            }

            var peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
            string trend;
            lock (samples)
            {
                trend = string.Join(',', samples.Select(m => m.ToString("F0", CultureInfo.InvariantCulture)));
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"DONE {load.Latencies.Count} {load.Failed} {load.Seconds} {peak} {load.PerClient.Min} {load.PerClient.Max} {written} {(cpu - cpuAtStart).TotalSeconds} {gc.Since(gcAtStart).ToWire()} {(trend.Length == 0 ? "-" : trend)}"));
            output.Flush();

            // The other nodes may still be measuring: serve them until told to stop.
            while (await input.ReadLineAsync() is { } line && line != "STOP")
            {
            }

            return 0;
        }
        finally
        {
            await system.Terminate();
        }
    }
}
