namespace PaxosActors.Core;

/// <summary>
/// A Paxos message between the nodes of one group. <see cref="Instance"/> is the log position
/// it is about; <see cref="From"/> the sending node.
/// </summary>
internal abstract record PaxosMessage(long Instance, NodeId From);

/// <summary>Phase 1a. The promise it asks for covers this instance and every later one.</summary>
internal sealed record Prepare(long Instance, NodeId From, Ballot Ballot) : PaxosMessage(Instance, From);

/// <summary>
/// Phase 1b. On a promise, carries the value this acceptor accepted for the instance, if any.
/// On a reject, <see cref="Promised"/> is the higher ballot that was promised instead.
/// </summary>
internal sealed record PrepareReply(
    long Instance,
    NodeId From,
    Ballot Ballot,
    bool Ok,
    Ballot Promised,
    Ballot AcceptedBallot,
    byte[]? AcceptedValue) : PaxosMessage(Instance, From);

/// <summary>
/// Phase 2a. <see cref="PreviousChecksum"/> is the proposer's checksum of instance - 1: an
/// acceptor whose own differs has diverged.
/// </summary>
internal sealed record Accept(long Instance, NodeId From, Ballot Ballot, byte[] Value, ulong PreviousChecksum)
    : PaxosMessage(Instance, From)
{
    /// <summary>
    /// The ballot at which the sender itself got an accept majority for instance - 1, or zero.
    /// It announces that instance as chosen (DESIGN.md, invariant 8, rule b): a node that holds
    /// the Accept of that ballot for instance - 1 learns its value, which is the chosen one,
    /// because a ballot carries one value per instance.
    /// </summary>
    public Ballot ChosenBallot { get; init; } = Ballot.Zero;
}

/// <summary>Phase 2b. On a reject, <see cref="Promised"/> is the ballot that blocked it.</summary>
internal sealed record AcceptReply(long Instance, NodeId From, Ballot Ballot, bool Ok, Ballot Promised)
    : PaxosMessage(Instance, From);

/// <summary>
/// The value of <see cref="PaxosMessage.Instance"/> is chosen (PhxPaxos's ProposerSendSuccess and
/// SendLearnValue). Sent by the proposer that saw an accept majority, and by a learner serving a
/// node that lags. <see cref="Checksum"/> is the chained checksum of the instance.
/// </summary>
internal sealed record ValueChosen(long Instance, NodeId From, byte[] Value, ulong Checksum)
    : PaxosMessage(Instance, From);

/// <summary>
/// The sender lacks every instance from <see cref="PaxosMessage.Instance"/> on: a node that has
/// them answers with <see cref="ValueChosen"/> messages.
/// </summary>
internal sealed record AskForLearn(long Instance, NodeId From) : PaxosMessage(Instance, From);

/// <summary>
/// The sender has learned every instance below <see cref="PaxosMessage.Instance"/> (PhxPaxos's
/// SendNowInstanceID). It follows a batch of catch-up values: a node still behind answers with
/// the next <see cref="AskForLearn"/>, so one batch at a time is in flight and the pace is the
/// learner's own.
/// </summary>
internal sealed record LearnOffer(long Instance, NodeId From) : PaxosMessage(Instance, From);

/// <summary>
/// The sender's journal no longer holds what was asked for; its newest checkpoint covers every
/// instance below <see cref="PaxosMessage.Instance"/> and is a file of <see cref="Length"/> bytes
/// whose XxHash64 is <see cref="FileChecksum"/>. A node that needs it asks for it in chunks.
/// </summary>
internal sealed record CheckpointOffer(long Instance, NodeId From, long Length, ulong FileChecksum) : PaxosMessage(Instance, From);

/// <summary>
/// Send <see cref="Bytes"/> bytes (fewer at the file's end) from <see cref="Offset"/> of the
/// checkpoint file offered as (instance, <see cref="FileChecksum"/>).
/// </summary>
internal sealed record ChunkRequest(long Instance, NodeId From, ulong FileChecksum, long Offset, int Bytes) : PaxosMessage(Instance, From)
{
    /// <summary>The largest chunk a node asks for or serves.</summary>
    public const int MaxBytes = 1024 * 1024;
}

/// <summary>
/// Bytes [<see cref="Offset"/>, <see cref="Offset"/> + Data.Length) of the checkpoint file offered as
/// (instance, <see cref="FileChecksum"/>); <see cref="DataChecksum"/> is the XxHash64 of
/// <see cref="Data"/>. An empty chunk past nothing says the sender no longer has that file.
/// </summary>
internal sealed record CheckpointChunk(long Instance, NodeId From, ulong FileChecksum, long Offset, byte[] Data, ulong DataChecksum) : PaxosMessage(Instance, From);

/// <summary>
/// A read barrier's round <see cref="Round"/> asks the acceptor of each member for its read index
/// (<see cref="Acceptor.ReadIndex"/>). <see cref="PaxosMessage.Instance"/> is unused (0).
/// </summary>
internal sealed record ReadIndexRequest(long Instance, NodeId From, long Round) : PaxosMessage(Instance, From);

/// <summary>
/// The answer to <see cref="ReadIndexRequest"/>: <see cref="PaxosMessage.Instance"/> is the
/// sender acceptor's read index, past every instance it has accepted a value in.
/// </summary>
internal sealed record ReadIndexReply(long Instance, NodeId From, long Round) : PaxosMessage(Instance, From);
