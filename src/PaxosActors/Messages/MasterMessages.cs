using PaxosActors.Messages;

namespace PaxosActors;

/// <summary>Ask a GroupActor who the group's master is, as this node sees it; the reply is <see cref="MasterInfo"/>.</summary>
public sealed record GetMaster : IPaxosWireMessage
{
    public static readonly GetMaster Instance = new();
}

/// <summary>
/// The group's master as the node asked sees it: <see cref="NodeId"/> 0 when there is none (or
/// the group has no master: <see cref="Enabled"/> false). <see cref="Version"/> is the fencing
/// token: it grows with every change of the lease and is the same on every node at the same
/// instance. <see cref="IsSelf"/> says the node asked holds the lease itself and may act as the
/// master for <see cref="LeaseRemainingMs"/> more milliseconds.
/// </summary>
public sealed record MasterInfo(string Group, int NodeId, long Version, long LeaseRemainingMs, bool IsSelf, bool Enabled = true) : IPaxosWireMessage;

/// <summary>Ask a GroupActor whether its node holds the group's master lease now; the reply is <see cref="MasterInfo"/> (see <see cref="MasterInfo.IsSelf"/>).</summary>
public sealed record IsMaster : IPaxosWireMessage
{
    public static readonly IsMaster Instance = new();
}

/// <summary>
/// Ask the master to give its lease up: it stops acting as master at once, proposes the release,
/// and bids for no lease for one lease's time, so another member takes over. The reply is
/// <see cref="MasterInfo"/> as it stands after the drop.
/// </summary>
public sealed record DropMaster : IPaxosWireMessage
{
    public static readonly DropMaster Instance = new();
}

/// <summary>
/// Published on a node's event stream when the master it sees changes (another node, none, or
/// this node taking or losing the lease). <see cref="NodeId"/> is the node that publishes.
/// </summary>
public sealed record MasterChanged(string Group, int NodeId, int MasterNodeId, long Version, bool IsSelf);

/// <summary>
/// A state machine that wants the group's master in log order, to fence commands: it is told
/// every master change as the log applies it (in replay too, and after a checkpoint is loaded),
/// so a command that carries the master version its sender held can be refused when the version
/// has moved on, the same way on every node.
/// </summary>
public interface IMasterAware
{
    /// <summary>The master is <paramref name="masterNodeId"/> (0: none) at <paramref name="version"/>, from instance <paramref name="instance"/> on.</summary>
    void MasterChanged(int masterNodeId, long version, long instance);
}
