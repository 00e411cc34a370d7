namespace PaxosActors.Core;

/// <summary>
/// The voting members of a group, the size of a majority of them, and the followers: non-voting
/// nodes that learn every chosen value, pushed by the member each one follows; and the learners:
/// nodes the group's log added without a vote yet, which ask to learn until they are promoted.
/// </summary>
internal sealed class Membership
{
    public Membership(IEnumerable<NodeId> members, IReadOnlyDictionary<NodeId, NodeId>? followers = null, IEnumerable<NodeId>? learners = null, IEnumerable<NodeId>? departed = null)
        : this(members, DeliberateBugs.None, followers, learners, departed)
    {
    }

    internal Membership(IEnumerable<NodeId> members, DeliberateBugs bugs, IReadOnlyDictionary<NodeId, NodeId>? followers = null, IEnumerable<NodeId>? learners = null, IEnumerable<NodeId>? departed = null)
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

        Learners = (learners ?? []).Distinct().Order().ToArray();
        if (Learners.Any(l => Members.Contains(l) || l == NodeId.None))
        {
            throw new ArgumentException("A learner is not a member, and not node 0.", nameof(learners));
        }

        Departed = (departed ?? []).Where(d => !Members.Contains(d) && !Learners.Contains(d)).ToHashSet();
        Bugs = bugs;
        var majority = Members.Count / 2 + 1;
        Quorum = bugs.HasFlag(DeliberateBugs.QuorumOneShort) ? Math.Max(1, majority - 1) : majority;
    }

    public IReadOnlyList<NodeId> Members { get; }

    /// <summary>How many votes make a decision: a strict majority of <see cref="Members"/>.</summary>
    public int Quorum { get; }

    /// <summary>Each follower and the member it follows.</summary>
    public IReadOnlyDictionary<NodeId, NodeId> Following { get; }

    /// <summary>Nodes without a vote yet that ask to learn every chosen value.</summary>
    public IReadOnlyList<NodeId> Learners { get; }

    /// <summary>Nodes the log removed lately: they may still ask to learn, so they see their removal.</summary>
    public IReadOnlySet<NodeId> Departed { get; }

    internal DeliberateBugs Bugs { get; }

    public bool Contains(NodeId node) => Members.Contains(node);

    /// <summary>Whether <paramref name="node"/> may ask this group to learn (a member, follower, learner or lately removed node).</summary>
    public bool MayLearn(NodeId node) => Contains(node) || IsFollower(node) || Learners.Contains(node) || Departed.Contains(node);

    /// <summary>The same followers around other voters and learners: a membership change applied.</summary>
    public Membership With(SystemState state) =>
        new(state.Voters, Bugs, Following.Where(f => state.Nodes.GetValueOrDefault(f.Value)?.Voting == true && !state.Nodes.ContainsKey(f.Key)).ToDictionary(), state.Learners, state.Departed.Select(d => d.Key));

    public bool IsFollower(NodeId node) => Following.ContainsKey(node);

    /// <summary>The followers that <paramref name="member"/> pushes chosen values to.</summary>
    public IEnumerable<NodeId> FollowersOf(NodeId member) => Following.Where(f => f.Value == member).Select(f => f.Key);
}
