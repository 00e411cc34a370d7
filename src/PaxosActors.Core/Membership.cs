namespace PaxosActors.Core;

/// <summary>The voting members of a group and the size of a majority of them.</summary>
public sealed class Membership
{
    public Membership(IEnumerable<NodeId> members, DeliberateBugs bugs = DeliberateBugs.None)
    {
        Members = members.Distinct().OrderBy(m => m).ToArray();
        if (Members.Count == 0)
        {
            throw new ArgumentException("A group needs at least one member.", nameof(members));
        }

        if (Members.Any(m => m == NodeId.None))
        {
            throw new ArgumentException("Node id 0 is reserved.", nameof(members));
        }

        var majority = Members.Count / 2 + 1;
        Quorum = bugs.HasFlag(DeliberateBugs.QuorumOneShort) ? Math.Max(1, majority - 1) : majority;
    }

    public IReadOnlyList<NodeId> Members { get; }

    /// <summary>How many votes make a decision: a strict majority of <see cref="Members"/>.</summary>
    public int Quorum { get; }

    public bool Contains(NodeId node) => Members.Contains(node);
}
