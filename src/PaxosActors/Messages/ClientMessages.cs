using PaxosActors.Core;
using PaxosActors.Messages;

namespace PaxosActors;

/// <summary>
/// Ask a group to put <paramref name="Command"/> in its log and run it on the state machine
/// <paramref name="StateMachineId"/>. The reply is <see cref="ProposeResult"/> or
/// <see cref="ProposeFailed"/>.
/// </summary>
public sealed record Propose(object Command, int StateMachineId = 1) : IPaxosWireMessage;

/// <summary>
/// What a GroupActor answers a <see cref="Propose"/>, <see cref="BatchPropose"/> or
/// <see cref="Read"/> with: <see cref="ProposeResult"/> (or <see cref="BatchProposeResult"/>)
/// when it ran, <see cref="ProposeFailed"/> when it did not, or may not have.
/// </summary>
public abstract record ProposeReply : IPaxosWireMessage;

/// <summary>The command was chosen at <see cref="InstanceId"/> and ran; <see cref="Result"/> is what the state machine returned.</summary>
public sealed record ProposeResult(long InstanceId, object? Result) : ProposeReply;

/// <summary>
/// Read without writing to the log: <paramref name="Query"/> runs on the node asked, through the
/// state machine's <see cref="IReadableStateMachine.Read"/>, once a read barrier shows that node
/// has executed every command chosen before the read began. The reply is a
/// <see cref="ProposeResult"/> (its instance: the barrier's index) or a <see cref="ProposeFailed"/>
/// (Timeout when no majority answered in time; nothing was written either way).
/// </summary>
public sealed record Read(object Query, int StateMachineId = 1) : IPaxosWireMessage;

/// <summary>
/// The command did not run, or (<see cref="OutcomeUnknown"/>) it may or may not run: a timeout
/// after the value was sent can still end with it chosen.
/// </summary>
public sealed record ProposeFailed(ProposeFailureReason Reason, string Message, bool OutcomeUnknown = false) : ProposeReply;

/// <summary>Why a proposal failed.</summary>
public enum ProposeFailureReason
{
    /// <summary>No decision within the propose timeout; see <see cref="ProposeFailed.OutcomeUnknown"/>.</summary>
    Timeout,

    /// <summary>Other nodes' values won every instance the proposal was retried in; it did not run.</summary>
    Conflict,

    /// <summary>The serialized command is larger than <c>paxos-actors.max-value-size</c>; nothing was proposed.</summary>
    ValueTooLarge,

    /// <summary>This node is not a voting member of the group.</summary>
    NotMember,

    /// <summary>The group's queue of waiting proposals is full; try again later.</summary>
    Overloaded,

    /// <summary>The group stopped on this node after its log diverged from a peer's.</summary>
    GroupHalted,

    /// <summary>No group of that name runs on this node.</summary>
    UnknownGroup,

    /// <summary>No state machine with that id is registered in the group.</summary>
    UnknownStateMachine,

    /// <summary>The command could not be serialized.</summary>
    SerializationFailed,

    /// <summary>This node only follows the group: propose through a voting member.</summary>
    Follower,

    /// <summary>The group stopped on this node (shutdown, or its proposer restarted) before the command was decided.</summary>
    Stopped,

    /// <summary>
    /// The command ran, but this node installed a checkpoint from a peer that covers the instance
    /// it ran in before running it here, so its result is not known (<see cref="ProposeFailed.OutcomeUnknown"/>
    /// is set): read the state to see its effect.
    /// </summary>
    ResultLost,
}

/// <summary>The core's client failures as the public reasons a caller sees.</summary>
internal static class ClientFailureReasons
{
    public static ProposeFailureReason ToProposeFailureReason(this ClientFailure failure) => failure switch
    {
        ClientFailure.Timeout => ProposeFailureReason.Timeout,
        ClientFailure.Conflict => ProposeFailureReason.Conflict,
        ClientFailure.ValueTooLarge => ProposeFailureReason.ValueTooLarge,
        ClientFailure.Overloaded => ProposeFailureReason.Overloaded,
        ClientFailure.GroupHalted => ProposeFailureReason.GroupHalted,
        ClientFailure.UnknownStateMachine => ProposeFailureReason.UnknownStateMachine,
        ClientFailure.Stopped => ProposeFailureReason.Stopped,
        ClientFailure.ResultLost => ProposeFailureReason.ResultLost,
        ClientFailure.NotMember => ProposeFailureReason.NotMember,
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };
}

/// <summary>What a state machine threw: the command is in the log and ran, and this is its result.</summary>
public sealed record StateMachineError(string Type, string Message) : IPaxosWireMessage;

/// <summary>Ask a GroupActor for its <see cref="GroupStatus"/>.</summary>
public sealed record GetGroupStatus : IPaxosWireMessage
{
    public static readonly GetGroupStatus Instance = new();
}

/// <summary>
/// A node's view of a group: <see cref="Executed"/> instances ran, the last one's chained
/// checksum is <see cref="LastChecksum"/>.
/// </summary>
public sealed record GroupStatus(string Group, int NodeId, long Executed, ulong LastChecksum, bool Halted, string? HaltReason) : IPaxosWireMessage
{
    /// <summary>The instance this node's acceptor and proposer work on now (every one below it is chosen, as far as this node knows).</summary>
    public long Instance { get; init; }

    /// <summary>The highest instance a message from another member carried: how far the best peer has come, as far as this node has heard.</summary>
    public long PeerInstance { get; init; }

    /// <summary>The node whose proposer decided the last instance this node executed (the leader that forwarding hands commands to), or 0.</summary>
    public int Leader { get; init; }

    /// <summary>Instances this node has still to execute to reach the best peer it has heard of.</summary>
    public long Lag => Math.Max(0, Math.Max(PeerInstance, Instance) - Executed);
}

/// <summary>Ask a node's Paxos guardian (<c>/system/paxos</c>; <c>/user/paxos</c> forwards to it) which groups run there: the reply is <see cref="NodeGroups"/>.</summary>
public sealed record GetNodeGroups : IPaxosWireMessage
{
    public static readonly GetNodeGroups Instance = new();
}

/// <summary>The groups that run on node <see cref="NodeId"/>, in the order they started.</summary>
public sealed record NodeGroups(int NodeId, IReadOnlyList<string> Groups) : IPaxosWireMessage;

/// <summary>
/// Like <see cref="Propose"/>, but the group waits up to <c>paxos-actors.batch-propose.linger</c>
/// (or until <c>batch-propose.max-count</c> are waiting) to pack many into one instance, as
/// PhxPaxos's BatchPropose. The reply is <see cref="BatchProposeResult"/> or <see cref="ProposeFailed"/>.
/// </summary>
public sealed record BatchPropose(object Command, int StateMachineId = 1) : IPaxosWireMessage;

/// <summary>The command was chosen at <see cref="InstanceId"/> as the <see cref="Index"/>-th (from 0) of its batch, and ran.</summary>
public sealed record BatchProposeResult(long InstanceId, int Index, object? Result) : ProposeReply;
