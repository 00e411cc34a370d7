using System.Diagnostics;
using PaxosActors.Cli.Progress;
using PaxosActors.Hosting;

namespace PaxosActors.Cli.Demo;

/// <summary>
/// `paxos demo`: three nodes on 127.0.0.1 over Akka.Remote with SQLite files; sequential
/// proposals (latency), a concurrent stream from all three nodes, one node stopped and
/// restarted from its file, and proof that all three ran the same log.
/// </summary>
internal static class DemoCommand
{
    public static async Task<int> RunAsync(string dataDir, int sequential, int concurrent, TextWriter output)
    {
        if (Directory.Exists(dataDir))
        {
            Directory.Delete(dataDir, recursive: true);
        }

        Directory.CreateDirectory(dataDir);
        var ports = LocalNodeConfig.FreePorts(3);
        var nodes = ports.Keys.Order().Select(id => new DemoNode(id, ports, dataDir)).ToList();
        var total = Stopwatch.StartNew();
        output.WriteLine($"Starting 3 nodes on 127.0.0.1 (ports {string.Join(", ", ports.Values)}), SQLite files in {Path.GetFullPath(dataDir)}");
        await Task.WhenAll(nodes.Select(n => n.StartAsync()));

        output.WriteLine($"\n1. {sequential} sequential proposals from node 1 (commit latency)");
        var latencies = new List<double>(sequential);
        for (var i = 0; i < sequential; i++)
        {
            var clock = Stopwatch.StartNew();
            Expect(await nodes[0].ProposeAsync($"seq-{i}"));
            latencies.Add(clock.Elapsed.TotalMilliseconds);
        }

        latencies.Sort();
        output.WriteLine($"   p50 {Percentile(latencies, 0.50):F2} ms, p99 {Percentile(latencies, 0.99):F2} ms, max {latencies[^1]:F2} ms");

        output.WriteLine($"\n2. {concurrent} proposals from all three nodes at once");
        var stream = Stopwatch.StartNew();
        object[] outcomes;
        await using (ShowProgress(nodes, output, stream, nodes.Min(n => n.Machine.Count), concurrent))
        {
            outcomes = await Task.WhenAll(Enumerable.Range(0, concurrent).Select(i => nodes[i % 3].ProposeAsync($"stream-{i}")));
        }
        Report(outcomes, stream.Elapsed, output);

        output.WriteLine("\n3. Stopping node 3; nodes 1 and 2 go on as a majority");
        nodes.ForEach(n => n.Quiet());
        await nodes[2].StopAsync();
        var whileDown = await Task.WhenAll(Enumerable.Range(0, concurrent / 4).Select(i => nodes[i % 2].ProposeAsync($"down-{i}")));
        Report(whileDown, null, output);

        output.WriteLine("   Restarting node 3 from its SQLite file");
        await nodes[2].StartAsync();
        var back = await nodes[2].StatusAsync();
        output.WriteLine($"   node 3 replayed {back.Executed} instances from its file, then catches up from its peers");
        Expect(await nodes[2].ProposeAsync("after-restart"));
        nodes.ForEach(n => n.Loud());

        output.WriteLine("\n4. Comparing the three logs");
        var statuses = await ConvergeAsync(nodes);
        foreach (var (node, status) in nodes.Zip(statuses))
        {
            output.WriteLine($"   node {node.Id}: {node.Machine.Count} commands, last instance {status.Executed - 1}, checksum {status.LastChecksum:x16}, digest {node.Machine.Digest:x16}");
        }

        var same = statuses.All(s => s.LastChecksum == statuses[0].LastChecksum && s.Executed == statuses[0].Executed)
            && nodes.All(n => n.Machine.Digest == nodes[0].Machine.Digest && n.Machine.Count == nodes[0].Machine.Count);
        var verdict = same
            ? $"\nAll three nodes executed the same log: {nodes[0].Machine.Count} commands in {statuses[0].Executed} instances. ({total.Elapsed.TotalSeconds:F1} s)"
            : "\nThe logs DIFFER.";

        // Stop first, so whatever the nodes log while they part comes before the verdict.
        nodes.ForEach(n => n.Quiet());
        await Task.WhenAll(nodes.Select(n => n.StopAsync()));
        output.WriteLine(verdict);
        return same ? 0 : 1;
    }

    private static void Expect(object reply)
    {
        if (reply is not ProposeResult)
        {
            throw new InvalidOperationException($"Proposal failed: {reply}");
        }
    }

    private static void Report(object[] outcomes, TimeSpan? elapsed, TextWriter output)
    {
        var ok = outcomes.Count(o => o is ProposeResult);
        var failed = outcomes.OfType<ProposeFailed>().GroupBy(f => f.Reason).Select(g => $"{g.Key} {g.Count()}");
        var rate = elapsed is { } e ? $" in {e.TotalSeconds:F2} s ({ok / e.TotalSeconds:F0}/s)" : string.Empty;
        output.WriteLine($"   {ok} succeeded{rate}; failed: {string.Join(", ", failed.DefaultIfEmpty("none"))}");
    }

    /// <summary>How far the nodes have executed the stream: a bar on a terminal, a line every 500 ms otherwise.</summary>
    private static LiveProgress ShowProgress(IReadOnlyList<DemoNode> nodes, TextWriter output, Stopwatch clock, long before, int total) =>
        LiveProgress.Start(
            output,
            "proposals",
            () => new ProgressState(
                (nodes.Min(n => n.Machine.Count) - before) / (double)Math.Max(1, total),
                $"{clock.Elapsed.TotalSeconds,5:F1} s: executed " + string.Join(", ", nodes.Select(n => $"node {n.Id} {n.Machine.Count}"))),
            TimeSpan.FromMilliseconds(500));

    private static async Task<GroupStatus[]> ConvergeAsync(IReadOnlyList<DemoNode> nodes)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var statuses = await Task.WhenAll(nodes.Select(n => n.StatusAsync()));
            if (statuses.All(s => s.Executed == statuses[0].Executed && s.LastChecksum == statuses[0].LastChecksum) || DateTime.UtcNow > deadline)
            {
                return statuses;
            }

            await Task.Delay(100);
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
}
