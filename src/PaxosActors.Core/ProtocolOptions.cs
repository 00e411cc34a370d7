namespace PaxosActors.Core;

/// <summary>Tuning of the pure protocol. Defaults follow PhxPaxos where it has one.</summary>
public sealed record ProtocolOptions
{
    /// <summary>How long a prepare round waits for a majority before it counts as failed.</summary>
    public TimeSpan PrepareTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long an accept round waits for a majority before it counts as failed.</summary>
    public TimeSpan AcceptTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Timeouts double after each failed round, up to this.</summary>
    public TimeSpan MaxRoundTimeout { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Lower bound of the random pause between failed rounds (PhxPaxos: 10 ms).</summary>
    public TimeSpan BackoffMin { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Upper bound (exclusive) of that pause (PhxPaxos: 40 ms).</summary>
    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromMilliseconds(40);

    /// <summary>How many later instances a proposal is retried in after others' values won.</summary>
    public int MaxConflictRetries { get; init; } = 8;

    /// <summary>
    /// Messages for future instances held until this node catches up; a message for an instance
    /// further ahead than this is not held at all (the node is that far behind: it asks to learn).
    /// </summary>
    public int FutureQueueLimit { get; init; } = 4096;

    /// <summary>Bytes of values (of held Accept and ValueChosen messages) the future queue holds at most.</summary>
    public long FutureQueueBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>How many chosen instances one answer to a lagging node carries.</summary>
    public int CatchUpBatch { get; init; } = 256;

    /// <summary>
    /// Chosen instances the learner keeps in memory to serve lagging nodes; older ones are read
    /// back from durable storage (<see cref="ServeFromStorage"/>). Unlimited by default.
    /// </summary>
    public int LogWindow { get; init; } = int.MaxValue;

    /// <summary>
    /// Bytes of chosen values the learner keeps in memory at most, whatever <see cref="LogWindow"/>
    /// says; at least the newest instance stays. Unlimited by default.
    /// </summary>
    public long LogWindowBytes { get; init; } = long.MaxValue;

    /// <summary>How long a caller waits for its command to run before it is told Timeout.</summary>
    public TimeSpan ProposeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Commands of this node's callers waiting at once; beyond it callers get Overloaded.</summary>
    public int MaxPendingProposals { get; init; } = 10_000;

    /// <summary>Commands packed into one value at most.</summary>
    public int BatchMaxCount { get; init; } = 512;

    /// <summary>A command's serialized size at most; a value holds one command at least, and others up to this many bytes.</summary>
    public int MaxValueSize { get; init; } = 64 * 1024;

    /// <summary>BatchPropose: how many to wait for before proposing at once.</summary>
    public int BatchProposeMaxCount { get; init; } = 64;

    /// <summary>BatchPropose: how long to wait at most for more commands.</summary>
    public TimeSpan BatchProposeLinger { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Hand commands to the node whose proposer decided the latest instance.</summary>
    public bool ForwardToLeader { get; init; } = true;

    /// <summary>
    /// A proposer that got an accept majority tells the other members by stamping that ballot on
    /// its next Accept (<c>Accept.ChosenBallot</c>), and sends them the chosen value itself only
    /// when no Accept of the next instance follows at once: one message per member per instance
    /// fewer while values keep coming. Off: the value goes to every member at once.
    /// </summary>
    public bool ChosenWithNextAccept { get; init; } = true;

    /// <summary>A leader that decides nothing, or leaves handed commands unanswered, this long is passed over.</summary>
    public TimeSpan LeaderTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Where the roles count their branches; the host gives each group on each node its own.</summary>
    internal Breakpoints Breakpoints { get; init; } = Breakpoints.Untagged;

    /// <summary>
    /// Executed instances between two checkpoints of a group's state (0: none are taken).
    /// Only groups whose state machines can all be checkpointed take them.
    /// </summary>
    public long CheckpointEvery { get; init; }

    /// <summary>
    /// Chosen instances kept in the journal before the oldest checkpoint still kept (PhxPaxos
    /// keeps 1,000,000): lagging peers within that distance learn them one by one, farther
    /// ones fetch a checkpoint. 0 keeps nothing before it; null never truncates.
    /// </summary>
    public long? KeepInstances { get; init; }

    /// <summary>The acceptor writes a <see cref="LogMark"/>, where truncation may cut, after every this many instances.</summary>
    public long LogMarkEvery { get; init; } = 1000;

    /// <summary>One truncation step deletes at most about this many instances (the next mark past them)...</summary>
    public long TruncateStepInstances { get; init; } = 1_000;

    /// <summary>... and waits this long before the next, so deleting never crowds out the writes proposals wait for.</summary>
    public TimeSpan TruncateInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Bytes of checkpoint per transfer chunk.</summary>
    public int TransferChunkBytes { get; init; } = 64 * 1024;

    /// <summary>Transfer chunks asked for and not yet received, at most: the receiver's memory bound.</summary>
    public int TransferWindow { get; init; } = 8;

    /// <summary>
    /// A checkpoint a peer fetched a chunk of within this long is not pruned (<see cref="CheckpointPins"/>).
    /// </summary>
    public TimeSpan TransferPin { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long an acceptor may hold a chosen record (and the log mark behind it) for its next
    /// write to carry: one commit, and one fsync, per instance instead of two. Zero writes each
    /// at once.
    /// </summary>
    public TimeSpan ChosenWriteDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    internal DeliberateBugs Bugs { get; init; } = DeliberateBugs.None;

    public void Validate()
    {
        if (PrepareTimeout <= TimeSpan.Zero || AcceptTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("Round timeouts must be positive.");
        }

        if (MaxRoundTimeout < PrepareTimeout || MaxRoundTimeout < AcceptTimeout)
        {
            throw new ArgumentException("The timeout cap must be at least the initial timeouts.");
        }

        if (BackoffMin < TimeSpan.Zero || BackoffMax <= BackoffMin)
        {
            throw new ArgumentException("Back-off needs 0 <= min < max.");
        }

        if (ProposeTimeout <= TimeSpan.Zero || LeaderTimeout <= TimeSpan.Zero || BatchProposeLinger < TimeSpan.Zero)
        {
            throw new ArgumentException("The propose and leader timeouts must be positive, the linger not negative.");
        }

        if (ChosenWriteDelay < TimeSpan.Zero || TransferPin < TimeSpan.Zero)
        {
            throw new ArgumentException("The chosen write delay and the transfer pin must not be negative.");
        }

        if (MaxPendingProposals < 1 || BatchMaxCount < 1 || BatchProposeMaxCount < 1 || MaxValueSize < 1)
        {
            throw new ArgumentException("Client queue and batch limits must be positive.");
        }

        if (MaxConflictRetries < 0 || FutureQueueLimit < 1 || FutureQueueBytes < 1 || CatchUpBatch < 1 || LogWindow < CatchUpBatch || LogWindowBytes < 1 || CheckpointEvery < 0
            || KeepInstances < 0 || LogMarkEvery < 1 || TruncateStepInstances < 1 || TruncateInterval < TimeSpan.Zero || TransferChunkBytes is < 1 or > ChunkRequest.MaxBytes || TransferWindow < 1)
        {
            throw new ArgumentException("Retry, queue and batch limits must be positive, and the log window at least one batch.");
        }
    }
}
