namespace PaxosActors.Core;

/// <summary>What an acceptor writes to durable storage; replaying them rebuilds its state.</summary>
internal abstract record AcceptorEvent;

/// <summary>The acceptor promised not to accept anything below <see cref="Ballot"/>, in any instance.</summary>
internal sealed record Promised(Ballot Ballot) : AcceptorEvent;

/// <summary>The acceptor accepted <see cref="Value"/> at <see cref="Ballot"/> for <see cref="Instance"/>.</summary>
internal sealed record Accepted(long Instance, Ballot Ballot, byte[] Value) : AcceptorEvent;

/// <summary>
/// This node learned that <see cref="Value"/> is chosen for <see cref="Instance"/>. Losing it is
/// harmless (it can be learned again), so it needs no sync of its own.
/// </summary>
internal sealed record InstanceChosen(long Instance, byte[] Value, ulong Checksum) : AcceptorEvent;

/// <summary>
/// This node's proposer sessions from now on are numbered from <see cref="Session"/>: written,
/// and durable, before the node proposes anything after a start, so sessions only ever go up
/// and the log can close the older ones (see <see cref="DuplicateFilter"/>).
/// </summary>
internal sealed record SessionStarted(long Session) : AcceptorEvent;

/// <summary>
/// This node learned that the value it accepted at <see cref="Ballot"/> for <see cref="Instance"/>
/// is chosen. The record refers to the <see cref="Accepted"/> event that holds the value, so a
/// chosen value this node accepted is written once (PhxPaxos's one durable write per accept).
/// If that Accepted write was lost, the reference resolves to nothing and the instance is learned
/// again, as after any chosen write that failed (<see cref="ChosenLog"/>).
/// </summary>
internal sealed record ChosenAccepted(long Instance, Ballot Ballot, ulong Checksum) : AcceptorEvent;

/// <summary>
/// The journal may begin here: the acceptor's whole state right after the chosen record of
/// <see cref="Instance"/> - 1 (nothing accepted yet for <see cref="Instance"/>). Written every
/// <see cref="ProtocolOptions.LogMarkEvery"/> instances; truncation deletes every event before a
/// mark, which then stands for them. Read anywhere but first, it only carries its promise and
/// session (the events before it say the rest).
/// </summary>
internal sealed record LogMark(long Instance, ulong PreviousChecksum, Ballot Promised, long Session) : AcceptorEvent;

/// <summary>
/// This node loaded a checkpoint (fetched from a peer) that covers every instance below
/// <see cref="Instance"/>, whose chained checksum is <see cref="PreviousChecksum"/>: its chosen log
/// starts again there, and what it held before is obsolete.
/// </summary>
internal sealed record CheckpointInstalled(long Instance, ulong PreviousChecksum) : AcceptorEvent;
