using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using PaxosActors.Cli.Bench;
using PaxosActors.Cli.Node;
using PaxosActors.Hosting;

namespace PaxosActors.Cli.Recovery;

/// <summary>
/// `paxos recovery-node` (internal to `paxos recovery`): starts one node from its files, waits
/// for its groups to recover, proposes one value, prints "RECOVERED seconds peakMb" (seconds
/// since this process started) and stops.
/// </summary>
internal static class RecoveryNodeCommand
{
    public static async Task<int> RunAsync(string config, TextWriter output)
    {
        var hocon = NodeCommand.Load(config);
        var settings = PaxosSettings.Create(hocon.WithFallback(PaxosExtension.DefaultConfig));
        var system = PaxosActorSystem.Create(LocalNodeConfig.SystemName, hocon);
        try
        {
            var groups = await BenchNodes.StartGroupsAsync(system, settings.Groups.Keys.Order().ToList());
            foreach (var group in groups.Values)
            {
                var reply = await group.Ask<object>(new Propose(new byte[100]), TimeSpan.FromMinutes(2));
                if (reply is not ProposeResult)
                {
                    await Console.Error.WriteLineAsync($"The first proposal after the restart failed: {reply}");
                    return 1;
                }
            }

            using var self = Process.GetCurrentProcess();
            var seconds = (DateTime.Now - self.StartTime).TotalSeconds;
            var peak = self.PeakWorkingSet64 / (1024.0 * 1024.0);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RECOVERED {seconds:F3} {peak:F1}"));
            return 0;
        }
        finally
        {
            await system.Terminate();
        }
    }
}
