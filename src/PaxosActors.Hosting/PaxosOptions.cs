using System.Globalization;
using System.Text;

namespace PaxosActors.Hosting;

/// <summary>
/// A node's PaxosActors settings for <see cref="PaxosHostingExtensions.WithPaxos"/>: the same
/// keys as <c>paxos-actors</c> in HOCON (docs/configuration.md), the common ones as properties,
/// any other through <see cref="Hocon"/>.
/// </summary>
public sealed class PaxosOptions
{
    /// <summary><c>node-id</c>: this node's id, 1 or more.</summary>
    public int NodeId { get; set; }

    /// <summary><c>cluster-id</c>.</summary>
    public string ClusterId { get; set; } = "paxos";

    /// <summary><c>nodes</c>: every node's Akka address by id.</summary>
    public Dictionary<int, string> Nodes { get; } = [];

    /// <summary><c>groups</c>: the groups this node serves, and what runs in them.</summary>
    public Dictionary<string, PaxosGroupOptions> Groups { get; } = [];

    /// <summary><c>sqlite-journal.path</c>: when set, the acceptors journal to this SQLite file (PaxosActors' journal, in the PaxosActors.Persistence.Sqlite package).</summary>
    public string? SqliteJournalPath { get; set; }

    /// <summary><c>propose-timeout</c>.</summary>
    public TimeSpan? ProposeTimeout { get; set; }

    /// <summary><c>master.lease</c>.</summary>
    public TimeSpan? MasterLease { get; set; }

    /// <summary><c>master.max-clock-drift</c>.</summary>
    public double? MaxClockDrift { get; set; }

    /// <summary><c>master.lease-reads</c>.</summary>
    public bool? LeaseReads { get; set; }

    /// <summary><c>cluster</c>: Akka.Cluster mode (set <c>akka.actor.provider = cluster</c> too, e.g. with Akka.Cluster.Hosting's WithClustering); leave <see cref="Nodes"/> and the groups' members empty then.</summary>
    public PaxosClusterOptions Cluster { get; } = new();

    /// <summary>Any other HOCON, applied over the properties (e.g. <c>paxos-actors.tls { ... }</c>).</summary>
    public string? Hocon { get; set; }

    /// <summary>The options as HOCON.</summary>
    public string ToHocon()
    {
        static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        static string Ms(TimeSpan t) => ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        var h = new StringBuilder();
        h.AppendLine(CultureInfo.InvariantCulture, $"paxos-actors.node-id = {NodeId}");
        h.AppendLine(CultureInfo.InvariantCulture, $"paxos-actors.cluster-id = {Quote(ClusterId)}");
        foreach (var (id, address) in Nodes)
        {
            h.AppendLine(CultureInfo.InvariantCulture, $"paxos-actors.nodes.{id} = {Quote(address)}");
        }

        if (Cluster.Enabled)
        {
            h.AppendLine(CultureInfo.InvariantCulture, $"paxos-actors.cluster {{ enabled = on, role = {Quote(Cluster.Role)}, bootstrap-members = {Cluster.BootstrapMembers}, auto-add = {(Cluster.AutoAdd ? "on" : "off")}, auto-remove = {(Cluster.AutoRemove ? "on" : "off")} }}");
        }

        foreach (var (name, group) in Groups)
        {
            h.AppendLine(CultureInfo.InvariantCulture, $"paxos-actors.groups.{name} {{}}");
            if (group.Members.Length > 0)
            {
                h.AppendLine(CultureInfo.InvariantCulture, $"paxos-actors.groups.{name}.members = [{string.Join(", ", group.Members)}]");
            }

            h.AppendLine(CultureInfo.InvariantCulture, $"paxos-actors.groups.{name}.master = {(group.Master ? "on" : "off")}");
            foreach (var (follower, member) in group.Followers)
            {
                h.AppendLine(CultureInfo.InvariantCulture, $"paxos-actors.groups.{name}.followers.{follower} = {member}");
            }
        }

        if (SqliteJournalPath is { } path)
        {
            h.AppendLine("akka.persistence.journal.plugin = \"paxos-actors.sqlite-journal\"");
            h.AppendLine(CultureInfo.InvariantCulture, $"paxos-actors.sqlite-journal.path = {Quote(path)}");
        }

        if (ProposeTimeout is { } propose)
        {
            h.AppendLine(CultureInfo.InvariantCulture, $"paxos-actors.propose-timeout = {Ms(propose)}");
        }

        if (MasterLease is { } lease)
        {
            h.AppendLine(CultureInfo.InvariantCulture, $"paxos-actors.master.lease = {Ms(lease)}");
        }

        if (MaxClockDrift is { } drift)
        {
            h.AppendLine(CultureInfo.InvariantCulture, $"paxos-actors.master.max-clock-drift = {drift.ToString(CultureInfo.InvariantCulture)}");
        }

        if (LeaseReads is { } leaseReads)
        {
            h.AppendLine(CultureInfo.InvariantCulture, $"paxos-actors.master.lease-reads = {(leaseReads ? "on" : "off")}");
        }

        h.AppendLine(Hocon ?? string.Empty);
        return h.ToString();
    }
}

/// <summary>One group of <see cref="PaxosOptions.Groups"/>: <c>groups.&lt;name&gt;</c>, and the state machines it runs.</summary>
public sealed class PaxosGroupOptions
{
    /// <summary><c>members</c>: the founding voting members.</summary>
    public int[] Members { get; set; } = [];

    /// <summary><c>followers</c>: follower id → the member it follows.</summary>
    public Dictionary<int, int> Followers { get; } = [];

    /// <summary><c>master</c>: whether the group elects a master with a lease.</summary>
    public bool Master { get; set; }

    /// <summary>The group's state machines on this node, made when the host starts (with the host's services).</summary>
    public Func<IServiceProvider, IStateMachine[]> StateMachines { get; set; } = _ => [];
}

/// <summary><c>paxos-actors.cluster</c>: the groups run on Akka.Cluster's members with <see cref="Role"/>, bootstrapped by the first <see cref="BootstrapMembers"/> Up.</summary>
public sealed class PaxosClusterOptions
{
    /// <summary><c>cluster.enabled</c>.</summary>
    public bool Enabled { get; set; }

    /// <summary><c>cluster.role</c>: only members with it run Paxos (empty: every member).</summary>
    public string Role { get; set; } = string.Empty;

    /// <summary><c>cluster.bootstrap-members</c>.</summary>
    public int BootstrapMembers { get; set; } = 3;

    /// <summary><c>cluster.auto-add</c>.</summary>
    public bool AutoAdd { get; set; }

    /// <summary><c>cluster.auto-remove</c>.</summary>
    public bool AutoRemove { get; set; }
}
