using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using PaxosActors.Cli.Node;
using PaxosActors.Hosting;

namespace PaxosActors.Cli.Bench;

/// <summary>
/// `paxos bench-node` (internal to `paxos bench`): one node and its share of the clients in
/// this process. Prints READY, waits for GO, runs the load, writes the latencies (doubles, ms)
/// to the samples file, prints "DONE ops failed seconds peakMb", and stops on STOP.
/// </summary>
internal static class BenchNodeCommand
{
    public static async Task<int> RunAsync(string config, IReadOnlyList<string> clientGroups, LoadSpec spec, string samplesFile, TextReader input, TextWriter output)
    {
        var hocon = NodeCommand.Load(config);
        var settings = PaxosSettings.Create(hocon.WithFallback(PaxosExtension.DefaultConfig));
        var system = ActorSystem.Create(LocalNodeConfig.SystemName, hocon);
        try
        {
            var refs = await BenchNodes.StartGroupsAsync(system, settings.Groups.Keys.Order().ToList());
            output.WriteLine("READY");
            output.Flush();
            if (await input.ReadLineAsync() != "GO")
            {
                return 1;
            }

            var load = await BenchLoad.RunAsync(clientGroups.Select(g => refs[g]).ToList(), spec);
            await using (var file = File.Create(samplesFile))
            {
                foreach (var sample in load.Samples)
                {
                    file.Write(BitConverter.GetBytes(sample));
                }
            }

            var peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"DONE {load.Samples.Count} {load.Failed} {load.Seconds} {peak}"));
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
