using PaxosActors.Core;

namespace PaxosActors.Messages;

/// <summary>
/// Commands a node hands to the group's leader to propose (an encoded ProposalValue whose
/// commands carry their origin). Their callers wait at the origin, which answers them when it
/// executes the chosen instance itself.
/// </summary>
internal sealed record ForwardedCommands(string Group, NodeId From, byte[] Value) : IPaxosWireMessage
{
    public string ClusterId { get; init; } = string.Empty;
}

/// <summary>
/// Node <see cref="From"/> will not propose these handed-over commands. Their origin counts it
/// only for commands out at that node, and tells their callers "did not run" only once a floor
/// in the log settles them (see <see cref="ClientQueue"/>).
/// </summary>
internal sealed record ForwardRefused(string Group, NodeId From, long Session, IReadOnlyList<long> Sequences, ClientFailure Reason, string Message) : IPaxosWireMessage
{
    public string ClusterId { get; init; } = string.Empty;
}
