namespace PaxosActors.Core;

/// <summary>Why a client's command failed; the host maps it onto its public reasons.</summary>
internal enum ClientFailure
{
    Timeout,
    Conflict,
    ValueTooLarge,
    Overloaded,
    GroupHalted,
    UnknownStateMachine,
    Stopped,

    /// <summary>
    /// The command ran, but this node installed a checkpoint that covers the instance it ran in
    /// before it ran it here, so its result is not known on this node.
    /// </summary>
    ResultLost,

    /// <summary>This node does not vote in the group (any more): a membership change removed it, or made it a learner.</summary>
    NotMember,
}

/// <summary>How a caller's command ended: it ran, or it failed (see <see cref="Failed.OutcomeUnknown"/>).</summary>
internal abstract record ClientOutcome;

/// <summary>The command ran at <see cref="Instance"/>, the <see cref="Index"/>-th of its value, and returned <see cref="Result"/>.</summary>
internal sealed record Ran(long Instance, int Index, object? Result) : ClientOutcome;

/// <summary>
/// The command failed. Without <see cref="OutcomeUnknown"/> it never runs on any node, ever;
/// with it, it may have run or may still run.
/// </summary>
internal sealed record Failed(ClientFailure Reason, string Message, bool OutcomeUnknown) : ClientOutcome;

/// <summary>Answer the caller of this node's command <see cref="Sequence"/>: exactly once.</summary>
internal sealed record Answer(long Sequence, ClientOutcome Outcome) : Effect;

/// <summary>Hand commands (an encoded <see cref="ProposalValue"/>) to the leader <see cref="To"/>.</summary>
internal sealed record ForwardCommands(NodeId To, byte[] Value) : Effect;

/// <summary>
/// Tell the node of origin <see cref="To"/> that this node will not propose these commands of
/// its <see cref="Session"/>.
/// </summary>
internal sealed record RefuseCommands(NodeId To, long Session, IReadOnlyList<long> Sequences, ClientFailure Reason, string Message) : Effect;

/// <summary>
/// Call the client queue's <c>Tick</c> at time <see cref="At"/> (milliseconds on the host's
/// clock); a later request replaces an earlier one.
/// </summary>
internal sealed record WakeAt(long At) : Effect;

/// <summary>An input from the network was refused; <see cref="Reason"/> names the counter it goes to.</summary>
internal sealed record Rejected(string Reason) : Effect;
