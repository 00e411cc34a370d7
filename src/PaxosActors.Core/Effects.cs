namespace PaxosActors.Core;

/// <summary>
/// What a protocol role asks its host to do. Roles never perform I/O: a host (an actor, or the
/// test simulator) carries these out in the order given.
/// </summary>
internal abstract record Effect;

/// <summary>Send a message to a node of the group (possibly this one).</summary>
internal sealed record Send(NodeId To, PaxosMessage Message) : Effect;

/// <summary>
/// Make <see cref="Event"/> durable (when not null), then, and only then, send
/// <see cref="Replies"/>. Writes complete in order, so a reply also implies every earlier write
/// is durable.
/// </summary>
internal sealed record PersistThenSend(AcceptorEvent? Event, IReadOnlyList<Send> Replies) : Effect
{
    /// <summary>
    /// Nothing waits on this write and losing it is harmless (a chosen record, a log mark): the
    /// host may hold it until its next write, which then carries it in the same commit, or for
    /// at most <see cref="ProtocolOptions.ChosenWriteDelay"/>. Held writes still go out before
    /// any later one, so the journal stays a prefix of what the acceptor did.
    /// </summary>
    public bool MayWait { get; init; }
}

/// <summary>
/// Arm the role's single timer. A timer fires with its <see cref="Generation"/>; a role ignores
/// any generation but its latest, so arming a new one cancels the old.
/// </summary>
internal sealed record StartTimer(TimeSpan Delay, long Generation) : Effect;

/// <summary>Hand a coordinator decision to one of the node's roles.</summary>
internal sealed record Deliver(Role To, object Input) : Effect;

/// <summary>
/// Read the chosen instances [<see cref="From"/>, <see cref="Until"/>) back from durable storage
/// and send each to <see cref="To"/> as a <see cref="ValueChosen"/>, then a
/// <see cref="LearnOffer"/> of <see cref="Offer"/>: they are older than the learner keeps in memory.
/// </summary>
internal sealed record ServeFromStorage(NodeId To, long From, long Until, long Offer) : Effect;

/// <summary>Run the state machines on a chosen instance (learned strictly in order).</summary>
internal sealed record Execute(long Instance, byte[] Value) : Effect;

/// <summary>This node's own proposal was chosen at <see cref="Instance"/>.</summary>
internal sealed record ProposalChosen(long Instance) : Effect;

/// <summary>This node's own proposal definitely did not and will not get chosen.</summary>
internal sealed record ProposalFailed(ProposalFailure Reason) : Effect;

/// <summary>
/// The group cannot go on safely on this node (its log diverged from a peer's). The host stops
/// the group, not the process.
/// </summary>
internal sealed record Halt(string Reason) : Effect;

/// <summary>A message was dropped; <see cref="Reason"/> names the counter it goes to.</summary>
internal sealed record Dropped(PaxosMessage Message, string Reason) : Effect;

/// <summary>The roles of a node: where the coordinator routes a message.</summary>
internal enum Role
{
    Proposer,
    Acceptor,
    Learner,
}

/// <summary>Why a proposal failed for sure.</summary>
internal enum ProposalFailure
{
    /// <summary>Other nodes' values won every instance it was retried in.</summary>
    Conflict,
}

/// <summary>
/// The coordinator's news to every role: <see cref="Instance"/> is chosen. For the proposer,
/// <see cref="Members"/> is set when the value changed the membership: the next instance's.
/// </summary>
internal sealed record InstanceLearned(long Instance, byte[] Value, ulong Checksum)
{
    public Membership? Members { get; init; }
}

/// <summary>
/// Deliberate-bug input only (<see cref="DeliberateBugs.BallotEqualityLearning"/>): a message for
/// the next instance carried this ballot.
/// </summary>
internal sealed record NextInstanceSeen(long Instance, Ballot Ballot);

/// <summary>
/// A node asked for instances older than this node's journal holds: offer it the newest
/// checkpoint (a <see cref="CheckpointOffer"/>), which covers them.
/// </summary>
internal sealed record OfferCheckpoint(NodeId To) : Effect;

/// <summary>A verified chunk of the checkpoint being fetched: write it at <see cref="Offset"/> of the partial file.</summary>
internal sealed record WriteChunk(long Offset, byte[] Data) : Effect;

/// <summary>
/// The checkpoint being fetched is whole: verify the file against <see cref="Offer"/>'s length
/// and checksum, publish it, load it into the state machines, and move every role to its
/// instance. A file that fails the check is reported with <see cref="CheckpointFetch.Broken"/>.
/// </summary>
internal sealed record InstallCheckpoint(CheckpointOffer Offer) : Effect;

/// <summary>
/// Start the partial file for <see cref="Offer"/>, discarding any other: a new one, or, with
/// <see cref="From"/> above 0, the one an earlier life left (<see cref="CheckpointFetch.Partial"/>)
/// cut to its first <see cref="From"/> bytes.
/// </summary>
internal sealed record BeginFetch(CheckpointOffer Offer, long From = 0) : Effect;

/// <summary>
/// The roles' news after a checkpoint was installed: every instance below
/// <see cref="Instance"/> is chosen and executed, <see cref="PreviousChecksum"/> is the checksum
/// of the last of them. <see cref="Own"/> is what the checkpoint's duplicate filter holds of this
/// node's own commands, so its client queue can answer the ones that ran in the instances the
/// node skipped (null: nothing of this node's).
/// </summary>
/// <see cref="System"/> is the checkpoint's membership (null: from before memberships were
/// checkpointed); the coordinator passes the proposer the <see cref="Members"/> it makes.
internal sealed record InstancesSkipped(long Instance, ulong PreviousChecksum, SessionMarks? Own = null, SystemState? System = null)
{
    /// <summary>The checkpoint's master (null: the group has none, or the checkpoint predates masters).</summary>
    public MasterState? Master { get; init; }

    public Membership? Members { get; init; }
}

/// <summary>
/// For the client queue: <see cref="Master"/> holds the group's master lease for
/// <see cref="RemainingMs"/> more as this node sees it (<see cref="NodeId.None"/>: no master).
/// While it does, only its proposals can be chosen, so commands are handed to it.
/// </summary>
internal sealed record MasterSeen(NodeId Master, long RemainingMs);
