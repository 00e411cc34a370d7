using PaxosActors.Core;
using PaxosActors.Messages;

namespace PaxosActors;

/// <summary>
/// Add node <paramref name="NodeId"/> at <paramref name="Address"/> to the group: it joins as a
/// learner, and once it has caught up with the log it is given a vote. Sent to a GroupActor of a
/// voting member; the reply is <see cref="MemberChangeSucceeded"/> or <see cref="MemberChangeFailed"/>.
/// For a node the group already has, the change updates its address and keeps its vote.
/// </summary>
/// <param name="ExpectedVersion">Apply only if the membership is still at this version (compare-and-set).</param>
public sealed record AddMember(int NodeId, string Address, long? ExpectedVersion = null) : IPaxosWireMessage;

/// <summary>Remove node <paramref name="NodeId"/> from the group. The reply is <see cref="MemberChangeSucceeded"/> or <see cref="MemberChangeFailed"/>.</summary>
/// <param name="ExpectedVersion">Apply only if the membership is still at this version (compare-and-set).</param>
public sealed record RemoveMember(int NodeId, long? ExpectedVersion = null) : IPaxosWireMessage;

/// <summary>
/// Replace voting member <paramref name="OldNodeId"/> with <paramref name="NewNodeId"/> at
/// <paramref name="NewAddress"/>: the new node joins as a learner, catches up, and then takes the
/// old one's vote in a single change, so the group never has an even number of voters on the
/// way. The reply is <see cref="MemberChangeSucceeded"/> or <see cref="MemberChangeFailed"/>.
/// </summary>
/// <param name="ExpectedVersion">Apply only if the membership is still at this version (compare-and-set).</param>
public sealed record ChangeMember(int OldNodeId, int NewNodeId, string NewAddress, long? ExpectedVersion = null) : IPaxosWireMessage;

/// <summary>Ask a GroupActor for the group's membership as this node has applied it; the reply is <see cref="GroupMembership"/>.</summary>
public sealed record GetMembership : IPaxosWireMessage
{
    public static readonly GetMembership Instance = new();
}

/// <summary>One node of a group: its id, its Akka address, and whether it votes (a learner does not yet).</summary>
public sealed record MemberEntry(int NodeId, string Address, bool Voting);

/// <summary>
/// A group's membership: <see cref="Version"/> counts the changes applied (0: the configured
/// members), <see cref="Members"/> lists every node by id.
/// </summary>
public sealed record GroupMembership(string Group, long Version, IReadOnlyList<MemberEntry> Members) : IPaxosWireMessage
{
    /// <summary>The state as a node sees it: a member the log gives no address is shown at its address in <paramref name="book"/>.</summary>
    internal static GroupMembership Of(string group, SystemState state, IReadOnlyDictionary<NodeId, Akka.Actor.Address> book) =>
        new(group, state.Version, [.. state.Nodes.Select(n => new MemberEntry(n.Key.Value, n.Value.Address ?? book.GetValueOrDefault(n.Key)?.ToString() ?? string.Empty, n.Value.Voting))]);

    public override string ToString() =>
        $"{Group} v{Version}: {string.Join(", ", Members.Select(m => $"{m.NodeId}{(m.Voting ? string.Empty : " (learner)")} at {m.Address}"))}";
}

/// <summary>The change is in the log (its last step chosen at <see cref="InstanceId"/>); <see cref="Membership"/> is the group's after it.</summary>
public sealed record MemberChangeSucceeded(long InstanceId, GroupMembership Membership) : MemberChangeReply;

/// <summary>Why a membership change failed, and whether (<see cref="OutcomeUnknown"/>) it may still take effect.</summary>
public sealed record MemberChangeFailed(MemberChangeFailureReason Reason, string Message, bool OutcomeUnknown = false) : MemberChangeReply;

/// <summary>The reply to <see cref="AddMember"/>, <see cref="RemoveMember"/> and <see cref="ChangeMember"/>.</summary>
public abstract record MemberChangeReply : IPaxosWireMessage;

/// <summary>Why a membership change failed.</summary>
public enum MemberChangeFailureReason
{
    /// <summary>The membership was no longer at the expected version: nothing changed.</summary>
    VersionMismatch,

    /// <summary>The change would not leave a valid group (an unknown node, the last voter, ...): nothing changed.</summary>
    Rejected,

    /// <summary>
    /// The new node joined as a learner but did not catch up within
    /// <c>paxos-actors.membership.catch-up-timeout</c>: it stays a learner without a vote.
    /// Start it (or let it finish catching up) and send the same change again, or remove it.
    /// </summary>
    LearnerBehind,

    /// <summary>The change could not be put in the log; <see cref="MemberChangeFailed.Message"/> carries the proposal's failure.</summary>
    ProposeFailed,

    /// <summary>The node asked is not a voting member of the group: send the change to one that is.</summary>
    NotMember,
}

/// <summary>
/// Published on the event stream of every node when it applies a membership change chosen at
/// <see cref="InstanceId"/> (each node publishes its own, as it learns it).
/// </summary>
public sealed record MembershipChanged(string Group, int NodeId, long InstanceId, GroupMembership Membership);
