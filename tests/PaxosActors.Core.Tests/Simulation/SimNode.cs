namespace PaxosActors.Core.Tests.Simulation;

/// <summary>
/// One simulated node of one group: the same core classes GroupActor, ProposerActor and
/// LearnerActor compose (coordinator, client queue with its proposer, acceptor, learner and the
/// learner's duplicate filter), plus what a crash keeps (<see cref="Durable"/>) and what it loses
/// (everything else).
/// </summary>
internal sealed class SimNode
{
    public SimNode(NodeId id, Membership members, ProtocolOptions options, int seed)
    {
        Id = id;
        Members = members;
        Options = options;
        Seed = seed;
        Start();
    }

    public NodeId Id { get; }

    public Membership Members { get; }

    public ProtocolOptions Options { get; }

    public int Seed { get; }

    public bool Up { get; private set; }

    /// <summary>Bumped at each restart: timers and deliveries of an older life are ignored.</summary>
    public int Incarnation { get; private set; }

    /// <summary>Bumped at each restart of the proposer alone (a new session): its wake-ups are ignored after.</summary>
    public int ProposerIncarnation { get; private set; }

    /// <summary>What survives a crash: the acceptor's durable writes, in order.</summary>
    public List<AcceptorEvent> Durable { get; } = [];

    /// <summary>
    /// The newest checkpoint this node published: like a file renamed into place, it is there
    /// whole or not at all, and survives a crash.
    /// </summary>
    public SimCheckpoint? Checkpoint { get; set; }

    /// <summary>The instance the learner replays from after the last start (that of the checkpoint loaded, or 0).</summary>
    public long ReplayFrom { get; private set; }

    /// <summary>When this node takes its next checkpoint.</summary>
    public CheckpointSchedule Schedule { get; private set; } = null!;

    /// <summary>Writes handed to the disk and not yet durable, with the replies they hold back.</summary>
    public List<PersistThenSend> PendingWrites { get; } = [];

    /// <summary>The highest promise that was ever durable on this node (invariant 4).</summary>
    public Ballot MaxDurablePromise { get; private set; }

    /// <summary>(instance, ballot) pairs whose accept is durable here.</summary>
    public HashSet<(long, Ballot)> DurableAccepts { get; } = [];

    public InstanceCoordinator Coordinator { get; private set; } = null!;

    public ClientQueue Queue { get; private set; } = null!;

    public Proposer Proposer => Queue.Proposer;

    public Acceptor Acceptor { get; private set; } = null!;

    public Learner Learner { get; private set; } = null!;

    public DuplicateFilter Filter { get; private set; } = null!;

    /// <summary>What the learner executed in this life, instance by instance (each value described).</summary>
    public List<string> Executed { get; } = [];

    /// <summary>The client commands the state machine ran in this life: each at most once (invariant 10).</summary>
    public HashSet<string> Ran { get; } = [];

    /// <summary>The callers waiting at this node in this life: the command each sequence number belongs to.</summary>
    public Dictionary<long, string> Callers { get; } = [];

    public bool FlushScheduled { get; set; }

    public AcceptorState Recovered { get; private set; } = AcceptorState.Initial;

    private long _start;
    private long _proposers;

    public void Crash(Random random)
    {
        // A crash may still get any prefix of the pending writes onto the disk.
        var survive = random.Next(PendingWrites.Count + 1);
        foreach (var w in PendingWrites.Take(survive))
        {
            MakeDurable(w);
        }

        PendingWrites.Clear();
        Callers.Clear();
        Up = false;
        FlushScheduled = false;
    }

    public void Start()
    {
        Incarnation++;
        Up = true;
        Recovered = Core.Acceptor.Recover(Durable, Options.Bugs);

        // Like AcceptorActor: a new start of the node is durable before anything is proposed.
        var started = new SessionStarted(Recovered.Session + 1);
        Durable.Add(started);
        Recovered = Recovered.Apply(started);
        _start = started.Session;
        _proposers = 0;
        Acceptor = new Acceptor(Id, Recovered, Options.Bugs);
        Learner = new Learner(Id, Options, ChosenLog.Values(Durable));
        Filter = new DuplicateFilter(Options.Bugs);
        Executed.Clear();
        Ran.Clear();
        ReplayFrom = 0;
        if (Checkpoint is { } c && CheckpointSchedule.Misfit(c.Header, SimCheckpoint.Group, Learner.NextInstance, Learner.ChecksumAt) is null)
        {
            // Like LearnerActor: the state machine and the duplicate filter come from the
            // checkpoint, and only the instances after it are replayed.
            Filter = DuplicateFilter.Read(c.Filter, Options.Bugs);
            Executed.AddRange(c.Executed);
            Ran.UnionWith(c.Ran);
            ReplayFrom = c.Header.Instance;
        }

        Schedule = new CheckpointSchedule(Options.CheckpointEvery, ReplayFrom);
        Coordinator = new InstanceCoordinator(Id, Members, Options, Recovered.Instance, Recovered.PreviousChecksum);
        var proposer = new Proposer(Id, Members, Options, new SeededRandom(unchecked((Seed * 1_000_003) + (Id.Value * 7919) + Incarnation)),
            Recovered.Instance, Recovered.PreviousChecksum, Recovered.Promised.ProposalId);
        NewQueue(proposer);
    }

    /// <summary>Takes a checkpoint now, between two instances, if one is due.</summary>
    public bool TakeCheckpointIfDue()
    {
        var executed = Learner.NextInstance;
        if (!Schedule.Due(executed))
        {
            return false;
        }

        Schedule.Started();
        Checkpoint = new SimCheckpoint(new CheckpointHeader(SimCheckpoint.Group, executed, Learner.LastChecksum), Filter.ToBytes(), [.. Executed], [.. Ran]);
        Schedule.Finished(executed);
        return true;
    }

    /// <summary>
    /// The proposer actor restarts while the node runs: like ProposerActor, the new incarnation
    /// takes over the proposer with a new session. Returns what the old queue said to its callers.
    /// </summary>
    public IReadOnlyList<Effect> RestartProposer()
    {
        var goodbye = Queue.Stop("The proposer restarted.");
        Queue.Proposer.Abandon();
        NewQueue(Queue.Proposer);
        return goodbye;
    }

    /// <summary>The acceptor restarts from its durable state (a storage outage), the node keeps running.</summary>
    public void RestartAcceptor()
    {
        PendingWrites.Clear();
        FlushScheduled = false;
        Acceptor = new Acceptor(Id, Core.Acceptor.Recover(Durable, Options.Bugs), Options.Bugs);
    }

    public void MakeDurable(PersistThenSend write)
    {
        switch (write.Event)
        {
            case null:
                return;
            case Promised p:
                MaxDurablePromise = Ballot.Max(MaxDurablePromise, p.Ballot);
                break;
            case Accepted a:
                MaxDurablePromise = Ballot.Max(MaxDurablePromise, a.Ballot);
                DurableAccepts.Add((a.Instance, a.Ballot));
                break;
        }

        Durable.Add(write.Event);
    }

    private void NewQueue(Proposer proposer)
    {
        ProposerIncarnation++;
        Queue = new ClientQueue(Id, Members, Options, proposer, AcceptorState.ProposerSession(_start, ++_proposers), new HashSet<int> { 1 });
    }
}

/// <summary>A simulated node's checkpoint: its header, the duplicate filter's bytes, and the state machine (what ran).</summary>
internal sealed record SimCheckpoint(CheckpointHeader Header, byte[] Filter, List<string> Executed, HashSet<string> Ran)
{
    public const string Group = "sim";
}
