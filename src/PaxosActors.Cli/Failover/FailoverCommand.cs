using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using PaxosActors.Cli.Client;
using PaxosActors.Hosting;

namespace PaxosActors.Cli.Failover;

/// <summary>
/// `paxos failover`: 3 `paxos node` processes on 127.0.0.1 (SQLite) with a master on group kv;
/// each round kills the master's process (SIGKILL), times until the two others agree on a new
/// master that holds the lease, and starts the killed node again.
/// </summary>
internal static class FailoverCommand
{
    public static async Task<int> RunAsync(int rounds, TimeSpan lease, string dataDir, string? jsonFile, TextWriter output, TextWriter error)
    {
        // The node processes run in this folder and are given their config files by path.
        dataDir = Path.GetFullPath(dataDir);
        if (Directory.Exists(dataDir))
        {
            Directory.Delete(dataDir, recursive: true);
        }

        Directory.CreateDirectory(dataDir);
        var ports = LocalNodeConfig.FreePorts(3);
        var configs = new Dictionary<int, string>();
        foreach (var node in ports.Keys)
        {
            configs[node] = Path.Combine(dataDir, $"node{node}.conf");
            await File.WriteAllTextAsync(configs[node], LocalNodeConfig.Hocon(node, ports, Path.Combine(dataDir, $"node{node}.db"), ["kv"], $"""
                akka.loglevel = ERROR
                akka.remote.log-remote-lifecycle-events = off
                paxos-actors.groups.kv.master = on
                paxos-actors.master.lease = {lease.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms
                """));
        }

        var processes = ports.Keys.ToDictionary(n => n, n => Start(configs[n], dataDir, n));
        // The killed nodes' broken connections are expected here: keep the client quiet.
        using var client = RemoteClient.Open(null, error, "akka.loglevel = OFF");
        if (client is null)
        {
            return 3;
        }

        var addresses = ports.ToDictionary(p => p.Key, p => new Address("akka.tcp", LocalNodeConfig.SystemName, "127.0.0.1", p.Value));
        var times = new List<double>();
        try
        {
            var (master, _) = await AwaitMasterAsync(client, addresses, ports.Keys, except: 0, TimeSpan.FromSeconds(60));
            output.WriteLine($"3 node processes, lease {lease.TotalSeconds:0.###} s: node {master} is master");
            for (var round = 1; round <= rounds; round++)
            {
                var clock = Stopwatch.StartNew();
                processes[master].Kill(entireProcessTree: true);
                await processes[master].WaitForExitAsync();
                var others = ports.Keys.Where(n => n != master).ToList();
                var (next, version) = await AwaitMasterAsync(client, addresses, others, except: master, lease * 4 + TimeSpan.FromSeconds(10));
                times.Add(clock.Elapsed.TotalMilliseconds);
                output.WriteLine($"  round {round}: killed node {master}; node {next} master (version {version}) after {clock.Elapsed.TotalMilliseconds:F0} ms = {clock.Elapsed / lease:F2} x lease");
                processes[master] = Start(configs[master], dataDir, master);
                await AwaitMasterAsync(client, addresses, ports.Keys, except: 0, TimeSpan.FromSeconds(60));
                master = next;
            }
        }
        finally
        {
            foreach (var p in processes.Values.Where(p => !p.HasExited))
            {
                p.Kill(entireProcessTree: true);
            }
        }

        var summary = new { rounds, leaseMs = lease.TotalMilliseconds, failoverMs = times, meanMs = times.Average(), maxMs = times.Max(), maxOverLease = times.Max() / lease.TotalMilliseconds };
        output.WriteLine($"failover: mean {summary.meanMs:F0} ms, max {summary.maxMs:F0} ms ({summary.maxOverLease:F2} x lease; target: at most lease + 2 s)");
        if (jsonFile is not null)
        {
            await File.WriteAllTextAsync(jsonFile, JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        }

        return 0;
    }

    private static Process Start(string config, string dataDir, int node)
    {
        var paxos = typeof(FailoverCommand).Assembly.Location;
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var info = new ProcessStartInfo(dotnet, ["exec", paxos, "node", "--config", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDir,
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException($"node {node} did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Polls <paramref name="nodes"/> until they all see one master other than <paramref name="except"/>, which holds the lease itself.</summary>
    private static async Task<(int Master, long Version)> AwaitMasterAsync(RemoteClient client, IReadOnlyDictionary<int, Address> addresses, IEnumerable<int> nodes, int except, TimeSpan ceiling)
    {
        var deadline = DateTime.UtcNow + ceiling;
        var asked = nodes.ToList();
        while (DateTime.UtcNow < deadline)
        {
            var views = await Task.WhenAll(asked.Select(async n =>
            {
                try
                {
                    return await client.Group(addresses[n], "kv").Ask<MasterInfo>(GetMaster.Instance, TimeSpan.FromMilliseconds(500));
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
                {
                    return null;
                }
            }));
            if (views.All(v => v is not null && v.NodeId != 0 && v.NodeId != except && v.NodeId == views[0]!.NodeId && v.Version == views[0]!.Version)
                && views.Any(v => v!.IsSelf))
            {
                return (views[0]!.NodeId, views[0]!.Version);
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("no master agreed on in time");
    }
}
