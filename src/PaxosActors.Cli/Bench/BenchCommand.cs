using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using PaxosActors.Cli.Progress;
using PaxosActors.Hosting;

namespace PaxosActors.Cli.Bench;

/// <summary>
/// `paxos bench`: three nodes on 127.0.0.1 over Akka.Remote with durable storage, as separate
/// processes (or, with --in-process, as ActorSystems of this one), and N concurrent clients
/// spread over the nodes and groups, each proposing one value at a time. Prints ops/s, latency
/// percentiles, the CPU time per command and the nodes' peak working set, and writes them as
/// JSON with --json.
/// </summary>
internal static class BenchCommand
{
    public static async Task<BenchResult> RunAsync(BenchOptions options, TextWriter output)
    {
        await BenchNodes.PrepareStorageAsync(options);
        var ports = LocalNodeConfig.FreePorts(BenchNodes.Count);
        var groups = BenchNodes.Groups(options.Groups);
        var mode = $"{(options.InProcess ? "in-process" : "3 processes")}, {options.Storage.ToString().ToLowerInvariant()}, {(options.Batch ? "BatchPropose" : "Propose")}, {(options.Tls ? "TLS" : "TCP")}, {(options.Objects ? "records" : "byte[]")}, clients {(options.ClientNode is { } at ? $"on node {at}" : "spread")}";
        output.WriteLine($"3 nodes ({mode}), {options.Groups} groups, {options.Clients} clients, {options.ValueSize} B values: warming up {options.Warmup.TotalSeconds:F0} s, then " +
            (options.Operations is { } ops ? $"{ops} proposals" : $"measuring {options.Duration.TotalSeconds:F0} s"));
        var spec = new LoadSpec(options.ValueSize, options.Batch, options.Warmup, options.Duration, options.Operations is { } n ? Math.Max(1, n / options.Clients) : null) { Objects = options.Objects };
        using var stopSampling = new CancellationTokenSource();
        var sampling = SampleDiskAsync(options, output, stopSampling.Token);
        var clock = Stopwatch.StartNew();
        var total = (options.Warmup + options.Duration).TotalSeconds;
        (LoadResult Load, double PeakMb, long JournalBytes, double CpuSeconds) run;
        await using (LiveProgress.Start(
            output,
            "bench",
            () => new ProgressState(options.Operations is null ? clock.Elapsed.TotalSeconds / total : null, options.Operations is null ? $"{clock.Elapsed.TotalSeconds:F0} s of {total:F0} s" : $"{clock.Elapsed.TotalSeconds:F0} s"),
            TimeSpan.FromSeconds(5)))
        {
            run = options.InProcess ? await InProcessAsync(options, ports, groups, spec) : await ProcessesAsync(options, ports, groups, spec, output);
        }

        var (load, peakMb, journalBytes, cpuSeconds) = run;
        await stopSampling.CancelAsync();
        var disk = await sampling;
        // Only PaxosActors' SQLite journal counts what it writes; the other plugins report no figure.
        var operations = load.Latencies.Count;
        var ownJournal = options.Storage == BenchStorage.Sqlite && operations > 0;
        var result = new BenchResult(operations / load.Seconds, load.Latencies.Summary(), peakMb, options.Groups, options.Clients, options.ValueSize,
            operations, load.Failed, load.Seconds, mode, load.PerClient.Min, load.PerClient.Max)
        {
            WrittenBytesPerCommand = ownJournal ? Math.Round((double)journalBytes / operations, 1) : null,
            DiskBytesPerNode = options.Storage == BenchStorage.Postgresql ? null : LargestNode(options),
            DiskSamples = disk,
            CpuMicrosPerCommand = operations == 0 ? null : Math.Round(cpuSeconds * 1e6 / operations, 1),
        };
        output.WriteLine(result);
        if (options.JsonFile is not null)
        {
            await File.WriteAllTextAsync(options.JsonFile, result.ToJson());
        }

        return result;
    }

    private static long LargestNode(BenchOptions options) => Enumerable.Range(1, BenchNodes.Count).Max(n => BenchNodes.DiskBytes(options, n));

    /// <summary>With --disk-every, the largest node's storage at every period until the load ends.</summary>
    private static async Task<IReadOnlyList<DiskSample>?> SampleDiskAsync(BenchOptions options, TextWriter output, CancellationToken stop)
    {
        if (options.DiskEvery is not { } every || options.Storage == BenchStorage.Postgresql)
        {
            return null;
        }

        var samples = new List<DiskSample>();
        var clock = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var sample = new DiskSample(Math.Round(clock.Elapsed.TotalSeconds), LargestNode(options));
                samples.Add(sample);
                output.WriteLine($"  after {sample.Seconds:F0} s: {sample.Bytes / (1024.0 * 1024.0):F1} MB on the largest node");
            }
        }
        catch (OperationCanceledException)
        {
        }

        return samples;
    }

    private static async Task<(LoadResult Load, double PeakMb, long JournalBytes, double CpuSeconds)> InProcessAsync(BenchOptions options, IReadOnlyDictionary<int, int> ports, IReadOnlyList<string> groups, LoadSpec spec)
    {
        var systems = new List<ActorSystem>();
        var refs = new Dictionary<(int Node, string Group), IActorRef>();
        var journals = new List<JournalBytes>();
        try
        {
            for (var node = 1; node <= BenchNodes.Count; node++)
            {
                var system = PaxosActorSystem.Create(LocalNodeConfig.SystemName, ConfigurationFactory.ParseString(BenchNodes.Hocon(node, ports, options)));
                systems.Add(system);
                journals.Add(new JournalBytes(system));
                foreach (var (group, actor) in await BenchNodes.StartGroupsAsync(system, groups))
                {
                    refs[(node, group)] = actor;
                }
            }

            var targets = Enumerable.Range(0, options.Clients).Select(c => refs[BenchNodes.ClientPlace(c, groups, options.ClientNode)]).ToList();
            var atStart = Task.Delay(spec.Warmup).ContinueWith(_ => (Journals: journals.Select(j => j.Total).ToList(), Cpu: Cpu.Now), TaskScheduler.Default);
            var load = await BenchLoad.RunAsync(targets, spec);
            var cpu = Cpu.Now;
            var start = await atStart;
            return (load, Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0), journals.Select((j, i) => j.Total - start.Journals[i]).Max(), (cpu - start.Cpu).TotalSeconds);
        }
        finally
        {
            await Task.WhenAll(systems.Select(s => s.Terminate()));
            journals.ForEach(j => j.Dispose());
        }
    }

    private static async Task<(LoadResult Load, double PeakMb, long JournalBytes, double CpuSeconds)> ProcessesAsync(BenchOptions options, IReadOnlyDictionary<int, int> ports, IReadOnlyList<string> groups, LoadSpec spec, TextWriter output)
    {
        var nodes = new List<BenchNodeProcess>();
        try
        {
            for (var node = 1; node <= BenchNodes.Count; node++)
            {
                var config = Path.Combine(options.DataDir, $"node{node}.conf");
                await File.WriteAllTextAsync(config, BenchNodes.Hocon(node, ports, options));
                var mine = Enumerable.Range(0, options.Clients).Select(c => BenchNodes.ClientPlace(c, groups, options.ClientNode)).Where(p => p.Node == node).Select(p => p.Group).ToList();
                nodes.Add(BenchNodeProcess.Start(node, config, mine, spec, Path.Combine(options.DataDir, $"samples{node}.bin")));
            }

            await Task.WhenAll(nodes.Select(n => n.ReadyAsync()));
            nodes.ForEach(n => n.Go());
            var done = await BenchNodeProcess.DoneAllAsync(nodes);
            foreach (var (node, d) in nodes.Zip(done))
            {
                output.WriteLine($"  node {node.Id}: {d.Operations:N0} ops, {d.Failed} failed, peak working set {d.PeakMb:F0} MB; working set over the run (MB): {d.WorkingSetTrend}; GC while measuring: {d.Gc}");
            }

            var latencies = new Latencies();
            nodes.ForEach(n => latencies.Add(n.Latencies()));
            // Only nodes that ran clients say anything about fairness.
            var serving = nodes.Zip(done).Where(x => x.Item1.Clients > 0).Select(x => x.Item2).ToList();
            var perClient = serving.Count == 0 ? (0L, 0L) : (serving.Min(d => d.PerClient.Min), serving.Max(d => d.PerClient.Max));
            return (new LoadResult(latencies, done.Sum(d => d.Failed), done.Max(d => d.Seconds)) { PerClient = perClient }, done.Max(d => d.PeakMb), done.Max(d => d.JournalBytes), done.Sum(d => d.CpuSeconds));
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.StopAsync()));
        }
    }
}
