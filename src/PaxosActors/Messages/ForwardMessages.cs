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
/// The leader did not propose some forwarded commands and never will: their callers at the
/// origin get <see cref="Reason"/>.
/// </summary>
internal sealed record ForwardRefused(string Group, long Session, IReadOnlyList<long> Sequences, ProposeFailureReason Reason, string Message) : IPaxosWireMessage
{
    public string ClusterId { get; init; } = string.Empty;
}
