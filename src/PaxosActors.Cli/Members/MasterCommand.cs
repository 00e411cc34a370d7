using System.Text.Json;
using PaxosActors.Cli.Client;

namespace PaxosActors.Cli.Members;

/// <summary>`paxos master`: the group's master as a node sees it (node 0: none), or, with --drop, the master gives its lease up.</summary>
internal static class MasterCommand
{
    public static async Task<int> RunAsync(string? config, string node, string group, bool drop, bool json, TimeSpan timeout, TextWriter output, TextWriter error)
    {
        if (RemoteClient.ParseNode(node, error) is not { } address)
        {
            return 3;
        }

        using var client = RemoteClient.Open(config, error);
        if (client is null)
        {
            return 3;
        }

        switch (await client.AskAsync(address, group, drop ? DropMaster.Instance : GetMaster.Instance, timeout, error))
        {
            case null:
                return 2;
            case MasterInfo m when !m.Enabled:
                error.WriteLine($"group {group} has no master (turn it on with paxos-actors.groups.{group}.master = on)");
                return 1;
            case MasterInfo m:
                output.WriteLine(json
                    ? JsonSerializer.Serialize(new { node = m.NodeId, version = m.Version, leaseRemainingMs = m.LeaseRemainingMs, isSelf = m.IsSelf })
                    : m.NodeId == 0 ? $"no master (version {m.Version})" : $"node {m.NodeId}, version {m.Version}, lease {m.LeaseRemainingMs} ms left{(m.IsSelf ? " (the node asked)" : string.Empty)}");
                return 0;
            case var other:
                error.WriteLine($"unexpected reply {other}");
                return 1;
        }
    }
}
