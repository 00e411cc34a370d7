using Akka.Actor;
using PaxosActors.Core;

namespace PaxosActors.Actors;

/// <summary>
/// The acceptor finished reading its journal: its state and the chosen log, from
/// <see cref="LogStart"/> (the journal's first instance; <see cref="StartChecksum"/> is the
/// checksum of the one before).
/// </summary>
internal sealed record AcceptorRecovered(AcceptorState State, IReadOnlyList<InstanceChosen> Log, long LogStart = 0, ulong StartChecksum = 0);

/// <summary>The learner to the acceptor: the oldest checkpoint it keeps covers every instance below <see cref="Oldest"/>.</summary>
internal sealed record CheckpointsKept(long Oldest);

/// <summary>The acceptor's chosen log is durable up to <see cref="Instance"/> (a mark there was written).</summary>
internal sealed record ChosenDurable(long Instance);

/// <summary>The acceptor cut its journal: it begins at <see cref="Start"/> (the group tells the learner).</summary>
internal sealed record LogTruncated(long Start);

/// <summary>The learner installed a fetched checkpoint: the group moves the other roles to its instance.</summary>
internal sealed record CheckpointInstalledHere(InstancesSkipped Skipped);

/// <summary>The acceptor's timer for the next truncation step.</summary>
internal sealed record TruncateTick
{
    public static readonly TruncateTick Instance = new();
}

/// <summary>The acceptor's timer: chosen records held for a next write have waited long enough.</summary>
internal sealed record WriteHeld
{
    public static readonly WriteHeld Instance = new();
}

/// <summary>
/// Write the chosen records the acceptor holds now, and answer <see cref="WritesFlushed"/> once
/// they and every write before them are durable (a graceful shutdown sends it).
/// </summary>
internal sealed record FlushWrites
{
    public static readonly FlushWrites Instance = new();
}

/// <summary>The answer to <see cref="FlushWrites"/>.</summary>
internal sealed record WritesFlushed
{
    public static readonly WritesFlushed Instance = new();
}

/// <summary>The learner's timer for a checkpoint fetch in progress.</summary>
internal sealed record FetchTick
{
    public static readonly FetchTick Instance = new();
}

/// <summary>Chosen instances read back from the journal for a <see cref="ServeFromStorage"/>.</summary>
internal sealed record StorageRead(ServeFromStorage Request, IReadOnlyList<InstanceChosen> Chosen);

/// <summary>The proposer's round timer fired.</summary>
internal sealed record RoundTimer(long Generation);


/// <summary>A command of this node's proposer ran at <see cref="Instance"/>, the <see cref="Index"/>-th of its value.</summary>
internal sealed record ProposalExecuted(long Session, long Sequence, long Instance, int Index, object? Result);

/// <summary>A floor of this node's proposer session passed in the log (see <see cref="ClientQueue.FloorPassed"/>).</summary>
internal sealed record FloorPassed(long Session, long Floor);

/// <summary>The client queue's wake-up came due.</summary>
internal sealed record Wake(long Generation);

/// <summary>A child found that the group must stop on this node.</summary>
internal sealed record HaltGroup(string Reason);

/// <summary>Tell the proposer the group stopped: every waiting caller gets GroupHalted.</summary>
internal sealed record GroupStopped(string Reason);

/// <summary>Ask the learner for the chosen instances from <see cref="From"/> on, to bring a restarted acceptor up to date.</summary>
internal sealed record ReadLog(long From);

/// <summary>
/// The learner's answer to <see cref="ReadLog"/>: the chosen instances it holds in memory from
/// <see cref="From"/> on, which is later than asked when the older ones are no longer there.
/// </summary>
internal sealed record LogEntries(long From, IReadOnlyList<LogEntry> Entries);

/// <summary>The GroupActor's periodic "did I miss anything" tick.</summary>
internal sealed record LearnTick
{
    public static readonly LearnTick Instance = new();
}

/// <summary>The learner answers a status request with what it has executed.</summary>
internal sealed record StatusRequest(bool Halted, string? HaltReason, IActorRef ReplyTo, long Instance = 0, long PeerInstance = 0);

/// <summary>Starts a group under the guardian, with <see cref="Settings"/> in place of the node's when given (Akka.Cluster mode); the reply is the GroupActor.</summary>
internal sealed record StartGroup(GroupSettings Group, IReadOnlyList<IStateMachine> Machines, PaxosSettings? Settings = null);

/// <summary>
/// The learner to the group: the membership its start-up replay (or checkpoint) ended with. The
/// coordinator and proposer start with it.
/// </summary>
internal sealed record MembershipReplayed(SystemState State, MasterState Master);

/// <summary>
/// The learner ran a value that carries a membership change (applied or refused): the members
/// of instance <see cref="Through"/> on are <see cref="State"/>'s.
/// </summary>
internal sealed record MembershipApplied(long Through, SystemState State);

/// <summary>The group tells the learner which proposer to hand this node's results to.</summary>
internal sealed record ProposerIs(IActorRef Proposer);

/// <summary>Put a membership change in the log (the group's own change runners only; not a client command).</summary>
internal sealed record ProposeSystem(MemberChange Change);

/// <summary>A change runner asks the group how far a learner has come.</summary>
internal sealed record LearnerProgressQuery(NodeId Node);

/// <summary>
/// The group's answer: the highest instance <see cref="LearnerProgressQuery.Node"/> asked to learn
/// from (-1: none seen), and this node's next instance.
/// </summary>
internal sealed record LearnerProgress(long Asked, long Local);

/// <summary>Put a master bid in the log (the group's master actor only; not a client command).</summary>
internal sealed record ProposeMaster(MasterCommand Bid);

/// <summary>The learner ran the master bid chosen at <see cref="Instance"/> (applied or stale), in replay too.</summary>
internal sealed record MasterLearned(long Instance, MasterCommand Bid);

/// <summary>The learner loaded a checkpoint (or starts without one): the master state from here.</summary>
internal sealed record MasterLoaded(MasterState State);

/// <summary>The group tells its master actor whether this node votes, and so may bid.</summary>
internal sealed record MasterVoter(bool Voting);

/// <summary>A read past its barrier: the learner runs it once it has executed every instance below <see cref="Index"/>, if the membership is still at <see cref="MembersVersion"/>.</summary>
internal sealed record ReadAt(long Index, long MembersVersion, Read Request, IActorRef ReplyTo);

/// <summary>The membership changed while a read waited: its barrier is void, and the group runs a new one.</summary>
internal sealed record ReadAgain(Read Request, IActorRef ReplyTo);

/// <summary>The GroupActor's tick while reads wait for a barrier, or for instances to be chosen.</summary>
internal sealed record ReadTick
{
    public static readonly ReadTick Instance = new();
}

/// <summary>Reads wait for an instance no one seems to decide: the proposer closes it with a fence (<see cref="ClientQueue.Nudge"/>).</summary>
internal sealed record Nudge
{
    public static readonly Nudge Instance = new();
}
