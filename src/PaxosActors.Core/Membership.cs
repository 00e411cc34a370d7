namespace PaxosActors.Core;

/// <summary>
/// The voting members of a group, the size of a majority of them, and the followers: non-voting
/// nodes that learn every chosen value, pushed by the member each one follows.
/// </summary>
public sealed class Membership
{
    public Membership(IEnumerable<NodeId> members, IReadOnlyDictionary<NodeId, NodeId>? followers = null)
        : this(members, DeliberateBugs.None, followers)
    {
    }

    internal Membership(IEnumerable<NodeId> members, DeliberateBugs bugs, IReadOnlyDictionary<NodeId, NodeId>? followers = null)
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

        Following = followers ?? new Dictionary<NodeId, NodeId>();
        if (Following.Any(f => Members.Contains(f.Key) || !Members.Contains(f.Value)))
        {
            throw new ArgumentException("A follower is not a member and follows a member.", nameof(followers));
        }

        var majority = Members.Count / 2 + 1;
        Quorum = bugs.HasFlag(DeliberateBugs.QuorumOneShort) ? Math.Max(1, majority - 1) : majority;
    }

    public IReadOnlyList<NodeId> Members { get; }

    /// <summary>How many votes make a decision: a strict majority of <see cref="Members"/>.</summary>
    public int Quorum { get; }

    /// <summary>Each follower and the member it follows.</summary>
    public IReadOnlyDictionary<NodeId, NodeId> Following { get; }

    public bool Contains(NodeId node) => Members.Contains(node);

    public bool IsFollower(NodeId node) => Following.ContainsKey(node);

    /// <summary>The followers that <paramref name="member"/> pushes chosen values to.</summary>
    public IEnumerable<NodeId> FollowersOf(NodeId member) => Following.Where(f => f.Value == member).Select(f => f.Key);
}
