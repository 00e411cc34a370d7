using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using PaxosActors.Cli.Bench;
using PaxosActors.Cli.Progress;
using PaxosActors.Hosting;

namespace PaxosActors.Cli.Recovery;

/// <summary>
/// `paxos recovery`: fills a 3-node log (3 processes, SQLite) with N commands of 100 B, stops
/// node 3, starts it again as a new process and reports how long it took from that process's
/// start to a proposal of its own running, and its peak working set.
/// </summary>
internal static class RecoveryCommand
{
    public static async Task<RecoveryResult> RunAsync(long commands, string dataDir, string? jsonFile, string extraHocon, TextWriter output)
    {
        var options = new BenchOptions(1, 64, 100, TimeSpan.FromDays(1), TimeSpan.Zero, dataDir, jsonFile) { Batch = true, Operations = commands, ExtraHocon = extraHocon };
        await BenchNodes.PrepareStorageAsync(options);
        var ports = LocalNodeConfig.FreePorts(BenchNodes.Count);
        var groups = BenchNodes.Groups(1);
        var configs = new List<string>();
        for (var node = 1; node <= BenchNodes.Count; node++)
        {
            configs.Add(Path.Combine(dataDir, $"node{node}.conf"));
            await File.WriteAllTextAsync(configs[^1], BenchNodes.Hocon(node, ports, options));
        }

        output.WriteLine($"Filling a 3-node log with {commands:N0} commands of 100 B (64 clients, BatchPropose)...");
        var perClient = Math.Max(1, commands / options.Clients);
        var spec = new LoadSpec(100, true, TimeSpan.Zero, TimeSpan.FromDays(1), perClient);
        var nodes = new List<BenchNodeProcess>();
        try
        {
            for (var node = 1; node <= BenchNodes.Count; node++)
            {
                var mine = Enumerable.Range(0, options.Clients).Select(c => BenchNodes.ClientPlace(c, groups)).Where(p => p.Node == node).Select(p => p.Group).ToList();
                nodes.Add(BenchNodeProcess.Start(node, configs[node - 1], mine, spec, Path.Combine(dataDir, $"samples{node}.bin")));
            }

            await Task.WhenAll(nodes.Select(n => n.ReadyAsync()));
            var fill = Stopwatch.StartNew();
            nodes.ForEach(n => n.Go());
            BenchNodeProcess.NodeFigures[] done;
            await using (LiveProgress.Start(output, "filling", () => new ProgressState(null, $"{fill.Elapsed.TotalSeconds:F0} s"), TimeSpan.FromSeconds(5)))
            {
                done = await BenchNodeProcess.DoneAllAsync(nodes);
            }

            var filled = done.Sum(d => d.Operations);
            output.WriteLine($"  {filled:N0} commands in {fill.Elapsed.TotalSeconds:F1} s; stopping node 3 ({BenchNodes.DiskBytes(options, 3) / (1024.0 * 1024.0):F1} MB on disk)");
            await nodes[2].StopAsync();

            var restart = await RestartAsync(configs[2], output);
            var result = new RecoveryResult(filled, restart.Seconds, restart.PeakMb);
            output.WriteLine($"node 3 served a proposal {result.RestartSeconds:F2} s after its process started; peak working set {result.PeakWorkingSetMb:F0} MB ({result.Commands:N0} commands in the log)");
            if (jsonFile is not null)
            {
                await File.WriteAllTextAsync(jsonFile, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
            }

            return result;
        }
        finally
        {
            await Task.WhenAll(nodes.Take(2).Select(n => n.StopAsync()));
        }
    }

    private static async Task<(double Seconds, double PeakMb)> RestartAsync(string config, TextWriter output)
    {
        var paxos = typeof(RecoveryCommand).Assembly.Location;
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        using var process = Process.Start(new ProcessStartInfo(dotnet, ["exec", paxos, "recovery-node", "--config", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var errors = process.StandardError.ReadToEndAsync();
        string? line;
        while ((line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(10))) is not null)
        {
            if (line.StartsWith("RECOVERED ", StringComparison.Ordinal))
            {
                var parts = line[10..].Split(' ');
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
                return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
            }

            output.WriteLine("  node 3: " + line);
        }

        await process.WaitForExitAsync();
        throw new InvalidOperationException($"The restarted node exited with {process.ExitCode} before serving a proposal: {await errors}");
    }
}

/// <summary>The figures of one `paxos recovery` run.</summary>
internal sealed record RecoveryResult(
    [property: JsonPropertyName("commands")] long Commands,
    [property: JsonPropertyName("restartSeconds")] double RestartSeconds,
    [property: JsonPropertyName("peakWorkingSetMb")] double PeakWorkingSetMb);
