using PaxosActors.Core;

namespace PaxosActors.Messages;

/// <summary>Marker for what travels between nodes; HOCON binds it to <c>PaxosWireSerializer</c>.</summary>
public interface IPaxosWireMessage;

/// <summary>
/// A Paxos message of one group, as it travels from a GroupActor to a peer's.
/// <see cref="ClusterId"/> fences deployments: a node drops envelopes of another cluster.
/// </summary>
internal sealed record PaxosEnvelope(string Group, PaxosMessage Message) : IPaxosWireMessage
{
    public string ClusterId { get; init; } = string.Empty;
}
