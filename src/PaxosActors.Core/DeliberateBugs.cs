namespace PaxosActors.Core;

/// <summary>
/// Known-wrong behaviours the tests switch on to prove that the simulator's invariant checks
/// can fail. Never set outside tests.
/// </summary>
[Flags]
internal enum DeliberateBugs
{
    None = 0,

    /// <summary>Recovery drops the acceptor's promise (invariant 4).</summary>
    ForgetPromiseOnRestart = 1,

    /// <summary>The acceptor replies before its write is durable (invariant 2).</summary>
    ReplyBeforePersist = 2,

    /// <summary>Decisions need one vote less than a majority (invariant 1).</summary>
    QuorumOneShort = 4,

    /// <summary>
    /// PhxPaxos's rule: a prepare or accept for i+1 whose ballot equals the ballot this node
    /// accepted for i makes it learn its accepted value, and a proposer keeps skipping prepare
    /// after learning an instance it did not choose (invariant 8).
    /// </summary>
    BallotEqualityLearning = 8,

    /// <summary>
    /// A proposer goes on to accept with a promise majority that lacks its own acceptor, so a
    /// restarted node can reuse a ballot it already sent with another value.
    /// </summary>
    ProposerSkipsOwnPromise = 16,

    /// <summary>
    /// A proposer that gives up its value keeps skipping prepare with the same ballot, so it can
    /// send a second value under a ballot that already carries one for the instance (invariant 1).
    /// </summary>
    AbandonKeepsBallot = 32,

    /// <summary>The learners run every command they find in the log, repeats included (invariant 10).</summary>
    DuplicateFilterOff = 64,

    /// <summary>
    /// A refusal from the node that held a command is taken as final at once, without waiting
    /// for a floor to settle it in the log, although a second copy may still run (invariant 9).
    /// </summary>
    RefusalIsFinal = 128,

    /// <summary>
    /// A checkpoint holds an empty duplicate filter: a node started from it runs again a command
    /// that ran before the checkpoint and reaches the log once more (invariant 10).
    /// </summary>
    CheckpointForgetsFilter = 256,

    /// <summary>Truncation cuts the journal as far as its marks go, past the checkpoints a restart needs.</summary>
    TruncatePastCheckpoint = 512,

    /// <summary>The master believes its lease for the whole lease, as if clocks never drifted.</summary>
    MasterIgnoresDrift = 1024,

    /// <summary>The master counts its lease from when it learns its bid, not from before it proposed it (PhxPaxos's lease reads this way after a restart).</summary>
    MasterLeaseFromLearn = 2048,

    /// <summary>Acceptors vote for any proposer during a master's lease, so another node's value can be chosen while the master serves lease reads.</summary>
    LeaseFenceOff = 4096,

    /// <summary>A lease read runs at the master's current instance even when the master's own accept there may already have been chosen.</summary>
    LeaseReadIgnoresOwnAccept = 8192,

    /// <summary>
    /// (A host's bug, played by the simulator.) A chosen record held for the next write is written
    /// after it instead of before: a crash between them can keep an accept of the next instance
    /// and lose the record that leads to it, so the restarted acceptor forgets that accept.
    /// </summary>
    HeldWriteOvertaken = 16384,

    /// <summary>
    /// (A host's bug, played by the simulator.) A checkpoint being fetched is pruned like any
    /// other: a node that checkpoints faster than a peer fetches leaves that peer starting over.
    /// </summary>
    TransferUnpinned = 32768,

    /// <summary>
    /// A proposer stamps the ballot of its last accept for the previous instance on its next
    /// Accept as chosen, whether or not that accept won a majority (invariant 8).
    /// </summary>
    ChosenClaimedWithoutMajority = 65536,

    /// <summary>
    /// A node learns the value of the last Accept it saw for its instance from any next Accept
    /// that announces a chosen ballot, without comparing the ballots (invariant 8).
    /// </summary>
    ChosenBallotNotCompared = 131072,
}
