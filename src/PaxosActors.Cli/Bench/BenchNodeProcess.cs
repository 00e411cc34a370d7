using System.Diagnostics;
using System.Globalization;

namespace PaxosActors.Cli.Bench;

/// <summary>
/// One bench node as a child process (`paxos bench-node`), driven over its standard input and
/// output: it prints READY once its groups run, starts its clients on GO, prints DONE with its
/// figures (latencies go to a file; a node with no clients once told END), and stops on STOP.
/// </summary>
internal sealed class BenchNodeProcess
{
    private readonly Process _process;
    private readonly string _samplesFile;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<NodeFigures> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _errors = [];

    private BenchNodeProcess(int id, int clients, Process process, string samplesFile)
    {
        Id = id;
        Clients = clients;
        _process = process;
        _samplesFile = samplesFile;
    }

    public int Id { get; }

    /// <summary>How many of the bench's clients run in this node's process.</summary>
    public int Clients { get; }

    public static BenchNodeProcess Start(int id, string config, IReadOnlyList<string> clientGroups, LoadSpec spec, string samplesFile)
    {
        var paxos = typeof(BenchNodeProcess).Assembly.Location;
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var args = new List<string>
        {
            "exec", paxos, "bench-node", "--config", config, "--samples", samplesFile,
            "--value-size", spec.ValueSize.ToString(CultureInfo.InvariantCulture),
            "--warmup", spec.Warmup.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            "--duration", spec.Duration.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        };
        args.AddRange(clientGroups.SelectMany(g => new[] { "--client", g }));
        if (spec.Batch)
        {
            args.Add("--batch");
        }

        if (spec.Objects)
        {
            args.Add("--objects");
        }

        if (spec.OperationsPerClient is { } ops)
        {
            args.AddRange(["--ops-per-client", ops.ToString(CultureInfo.InvariantCulture)]);
        }

        var process = new Process
        {
            StartInfo = new ProcessStartInfo(dotnet, args)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
            EnableRaisingEvents = true,
        };
        var node = new BenchNodeProcess(id, clientGroups.Count, process, samplesFile);
        process.OutputDataReceived += (_, e) => node.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (node._errors)
                {
                    node._errors.Add(e.Data);
                }
            }
        };
        process.Exited += (_, _) =>
        {
            var failure = new InvalidOperationException($"bench node {id} exited with {process.ExitCode}: {string.Join(Environment.NewLine, node._errors.TakeLast(20))}");
            node._ready.TrySetException(failure);
            node._done.TrySetException(failure);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    public Task ReadyAsync() => _ready.Task.WaitAsync(TimeSpan.FromMinutes(2));

    public void Go() => _process.StandardInput.WriteLine("GO");

    public Task<NodeFigures> DoneAsync() => _done.Task;

    /// <summary>
    /// Every node's figures: those with clients report when their load ends; those without
    /// measure CPU and journal until then and are told END.
    /// </summary>
    public static async Task<NodeFigures[]> DoneAllAsync(IReadOnlyList<BenchNodeProcess> nodes)
    {
        await Task.WhenAll(nodes.Where(n => n.Clients > 0).Select(n => n.DoneAsync()));
        foreach (var idle in nodes.Where(n => n.Clients == 0))
        {
            await idle._process.StandardInput.WriteLineAsync("END");
        }

        return await Task.WhenAll(nodes.Select(n => n.DoneAsync()));
    }

    /// <summary>The latencies the node's clients recorded (none for a node without clients).</summary>
    public Latencies Latencies()
    {
        using var file = File.OpenRead(_samplesFile);
        return Bench.Latencies.ReadFrom(file);
    }

    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        try
        {
            await _process.StandardInput.WriteLineAsync("STOP");
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception e) when (e is TimeoutException or IOException)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    private void OnLine(string? line)
    {
        if (line == "READY")
        {
            _ready.TrySetResult();
        }
        else if (line?.StartsWith("DONE ", StringComparison.Ordinal) == true)
        {
            var parts = line[5..].Split(' ');
            var f = parts[..8].Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            var gc = GcFigures.FromWire(parts.AsSpan(8, 4));
            var trend = parts.Length > 12 && parts[12] != "-" ? parts[12].Replace(",", " → ", StringComparison.Ordinal) : string.Empty;
            _done.TrySetResult(new NodeFigures((long)f[0], (long)f[1], f[2], f[3], ((long)f[4], (long)f[5]), (long)f[6], f[7], gc, trend));
        }
    }

    internal sealed record NodeFigures(long Operations, long Failed, double Seconds, double PeakMb, (long Min, long Max) PerClient, long JournalBytes, double CpuSeconds, GcFigures Gc, string WorkingSetTrend);
}
