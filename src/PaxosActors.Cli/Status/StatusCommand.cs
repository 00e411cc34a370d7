using System.Text.Json;
using Akka.Actor;
using PaxosActors.Cli.Client;

namespace PaxosActors.Cli.Status;

/// <summary>
/// `paxos status`: per group on one node, the current and the executed instance, the lag behind
/// the best peer that node has heard of, the leader and the master, the members, and whether the
/// group is halted and why. Exit 0 when every group shown runs, 1 when one is halted, 2 when the
/// node does not answer, 3 on bad input.
/// </summary>
internal static class StatusCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static async Task<int> RunAsync(string? config, string node, string? group, bool json, TimeSpan timeout, TextWriter output, TextWriter error)
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

        NodeGroups groups;
        try
        {
            groups = await client.System.ActorSelection($"{address}/system/paxos").Ask<NodeGroups>(GetNodeGroups.Instance, timeout);
        }
        catch (AskTimeoutException)
        {
            error.WriteLine($"{address} did not answer within {timeout.TotalSeconds:0.#} s (is it running a PaxosActors node?)");
            return 2;
        }

        if (group is not null && !groups.Groups.Contains(group))
        {
            error.WriteLine($"group '{group}' does not run on node {groups.NodeId} ({address}); it runs: {string.Join(", ", groups.Groups)}");
            return 1;
        }

        var reports = new List<GroupReport>();
        foreach (var name in group is null ? groups.Groups : [group])
        {
            var status = client.AskAsync(address, name, GetGroupStatus.Instance, timeout, error);
            var members = client.AskAsync(address, name, GetMembership.Instance, timeout, error);
            var master = client.AskAsync(address, name, GetMaster.Instance, timeout, error);
            if (await status is not GroupStatus s || await members is not GroupMembership m || await master is not MasterInfo x)
            {
                return 2;
            }

            reports.Add(new GroupReport(s, m, x));
        }

        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new { node = groups.NodeId, address = address.ToString(), groups = reports.Select(r => r.Json()) }, Json));
        }
        else
        {
            output.WriteLine($"node {groups.NodeId} at {address}: {groups.Groups.Count} group(s)");
            reports.ForEach(r => r.Print(output));
        }

        return reports.Any(r => r.Status.Halted) ? 1 : 0;
    }

    private sealed record GroupReport(GroupStatus Status, GroupMembership Members, MasterInfo Master)
    {
        public object Json() => new
        {
            group = Status.Group,
            instance = Status.Instance,
            executed = Status.Executed,
            peerInstance = Status.PeerInstance,
            lag = Status.Lag,
            leader = Status.Leader,
            master = Master.Enabled ? new { node = Master.NodeId, version = Master.Version, leaseRemainingMs = Master.LeaseRemainingMs } : null,
            membersVersion = Members.Version,
            members = Members.Members.Select(e => new { id = e.NodeId, address = e.Address, voting = e.Voting }),
            lastChecksum = Status.LastChecksum.ToString("x16", System.Globalization.CultureInfo.InvariantCulture),
            halted = Status.Halted,
            haltReason = Status.HaltReason,
        };

        public void Print(TextWriter output)
        {
            output.WriteLine();
            output.WriteLine($"group {Status.Group}{(Status.Halted ? $": HALTED: {Status.HaltReason}" : string.Empty)}");
            output.WriteLine($"  instance {Status.Instance}, executed {Status.Executed}, best peer at {Status.PeerInstance}, lag {Status.Lag}");
            output.WriteLine($"  leader {(Status.Leader == 0 ? "none yet" : $"node {Status.Leader}")}, master {(Master.Enabled ? Master.NodeId == 0 ? "none" : $"node {Master.NodeId} (version {Master.Version}, lease {Master.LeaseRemainingMs} ms left)" : "off")}");
            output.WriteLine($"  members (version {Members.Version}): {string.Join(", ", Members.Members.Select(e => $"{e.NodeId}{(e.Voting ? string.Empty : " (learner)")} at {e.Address}"))}");
        }
    }
}
