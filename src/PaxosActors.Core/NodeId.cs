namespace PaxosActors.Core;

/// <summary>
/// A node's stable identity inside a Paxos group. It is configured, not derived from an
/// address, so a node that moves to a new host keeps its promises and its votes.
/// </summary>
public readonly record struct NodeId(int Value) : IComparable<NodeId>
{
    /// <summary>No node: the owner of <see cref="Ballot.Zero"/>.</summary>
    public static readonly NodeId None = new(0);

    public int CompareTo(NodeId other) => Value.CompareTo(other.Value);

    public override string ToString() => $"n{Value}";
}
