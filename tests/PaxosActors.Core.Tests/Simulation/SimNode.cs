namespace PaxosActors.Core.Tests.Simulation;

/// <summary>
/// One simulated node of one group: the same core classes GroupActor, ProposerActor and
/// LearnerActor compose (coordinator, client queue with its proposer, acceptor, learner and the
/// learner's duplicate filter), plus what a crash keeps (<see cref="Durable"/>) and what it loses
/// (everything else).
/// </summary>
internal sealed class SimNode
{
    public SimNode(NodeId id, Membership members, ProtocolOptions options, int seed, MasterOptions? master = null, Func<long>? time = null)
    {
        Id = id;
        Master = master;
        _time = time ?? (() => 0);

        // A clock of its own, whose rate is off true time by up to the drift bound, for the whole run.
        var random = new Random(unchecked((seed * 31) + id.Value));
        // Near the bound, one way or the other: that is where a lease rule that ignores drift fails.
        _rate = master is null ? 1 : 1 + ((random.Next(2) == 0 ? -1 : 1) * (0.5 + (random.NextDouble() / 2)) * master.MaxDrift);
        _offset = random.NextInt64(0, 1_000_000);
        Members = members;
        InitialSystem = SystemState.Initial(members.Members);
        Options = options;
        Pins = new CheckpointPins(options.TransferPin);
        Seed = seed;
        Start();
    }

    public NodeId Id { get; }

    /// <summary>The group's master lease settings (null: no master).</summary>
    public MasterOptions? Master { get; }

    /// <summary>This node's monotonic clock (ms): true time at a rate off by up to the drift bound.</summary>
    public long Clock => _offset + (long)(_time() * _rate);

    /// <summary>The master as this node's learner has applied the log so far.</summary>
    public MasterState MasterState { get; set; } = MasterState.Initial;

    /// <summary>What MasterActor keeps: this life's lease and its bids (null without a master).</summary>
    public MasterLease? Lease { get; private set; }

    /// <summary>The incarnation this life's bids carry.</summary>
    public long LeaseIncarnation { get; private set; }

    /// <summary>The configured members: version 0 of the membership, before the log changes it.</summary>
    public Membership Members { get; }

    public SystemState InitialSystem { get; }

    /// <summary>The membership as this node's learner has applied the log so far (the system state machine).</summary>
    public SystemState System { get; set; } = null!;

    /// <summary>True while the learner replays the recovered log at a start: the roles are set up after it.</summary>
    public bool Replaying { get; set; }

    public ProtocolOptions Options { get; }

    public int Seed { get; }

    public bool Up { get; private set; }

    /// <summary>Bumped at each restart: timers and deliveries of an older life are ignored.</summary>
    public int Incarnation { get; private set; }

    /// <summary>Bumped at each restart of the proposer alone (a new session): its wake-ups are ignored after.</summary>
    public int ProposerIncarnation { get; private set; }

    /// <summary>What survives a crash: the acceptor's durable writes, in order, from <see cref="DurableStart"/> on.</summary>
    public List<AcceptorEvent> Durable { get; } = [];

    /// <summary>The position (counted from the node's first write ever) of Durable[0]: truncation moves it.</summary>
    public long DurableStart { get; private set; }

    /// <summary>
    /// The checkpoints this node published, oldest first, at most <see cref="CheckpointKeep"/>:
    /// like files renamed into place, each is there whole or not at all, and survives a crash.
    /// </summary>
    public List<SimCheckpoint> Checkpoints { get; } = [];

    public const int CheckpointKeep = 2;

    /// <summary>The newest checkpoint published.</summary>
    public SimCheckpoint? Checkpoint => Checkpoints.Count == 0 ? null : Checkpoints[^1];

    /// <summary>Where this life may cut the journal.</summary>
    public LogTruncation Truncation { get; private set; } = null!;

    /// <summary>The checkpoint being fetched from a peer in this life, and the bytes of it so far.</summary>
    public CheckpointFetch Fetch { get; private set; } = null!;

    /// <summary>The newest checkpoint this life installed from a peer (GroupActor keeps the same), or null.</summary>
    public InstancesSkipped? Installed { get; set; }

    public MemoryStream Part { get; set; } = new();

    /// <summary>
    /// The learner's mailbox: like LearnerActor's, it runs behind the coordinator, so the
    /// coordinator may have learned instances the learner has not yet seen (or is about to skip).
    /// </summary>
    public Queue<Deliver> LearnerInbox { get; } = new();

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

    /// <summary>The checkpoints peers are fetching, kept while they do (as LearnerActor keeps them).</summary>
    public CheckpointPins Pins { get; private set; }

    /// <summary>Writes the acceptor said may wait (<see cref="PersistThenSend.MayWait"/>), held for its next write, as the actor holds them; a crash loses them.</summary>
    public List<PersistThenSend> HeldWrites { get; } = [];

    public AcceptorState Recovered { get; private set; } = AcceptorState.Initial;

    private readonly Func<long> _time;
    private readonly double _rate;
    private readonly long _offset;
    private long _start;
    private (PartialFetch Fetch, byte[] Bytes)? _partial;
    private long _durable;
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
        HeldWrites.Clear();
        Pins = new CheckpointPins(Options.TransferPin);
        Callers.Clear();
        LearnerInbox.Clear();
        Up = false;

        // A fetch's partial file stays on disk; the crash may lose any tail of it, and now and
        // then a byte of what stays is wrong (the whole-file check must catch it).
        _partial = null;
        if (Fetch.Offer is { } o && Part.Length > 0)
        {
            var bytes = Part.ToArray()[..random.Next((int)Part.Length + 1)];
            if (bytes.Length > 0 && random.Next(4) == 0)
            {
                bytes[random.Next(bytes.Length)] ^= 0x40;
            }

            _partial = (new PartialFetch(o.Instance, o.Length, o.FileChecksum, bytes.Length), bytes);
        }
        FlushScheduled = false;
    }

    public void Start()
    {
        Incarnation++;
        Up = true;
        Recovered = Core.Acceptor.Recover(Durable, Options.Bugs);
        var (first, previous, log) = ChosenLog.Recover(Durable);

        // Like AcceptorActor: a new start of the node is durable before anything is proposed.
        var started = new SessionStarted(Recovered.Session + 1);
        Durable.Add(started);
        Recovered = Recovered.Apply(started);
        _start = started.Session;
        _proposers = 0;
        Acceptor = NewAcceptor(Recovered);
        Learner = new Learner(Id, Options, log, first, previous);
        Filter = new DuplicateFilter(Options.Bugs);
        Executed.Clear();
        Ran.Clear();
        ReplayFrom = 0;
        System = InitialSystem;
        MasterState = MasterState.Initial;

        // Everything recovered is durable.
        _durable = Learner.NextInstance;
        var fits = Checkpoints.LastOrDefault(c => CheckpointSchedule.Misfit(c.Header, SimCheckpoint.Group, Learner.LogStart, Learner.NextInstance, Learner.ChecksumAt) is null);
        if (fits is null && first > 0)
        {
            // What LearnerActor refuses to start from: a journal cut with no checkpoint to replay it from.
            throw new InvariantViolation($"storage: node {Id}'s journal begins at {first} and no checkpoint fits it ({Checkpoints.Count} kept)");
        }

        if (fits is { } c)
        {
            // Like LearnerActor: the state machine and the duplicate filter come from the
            // checkpoint, and only the instances after it are replayed.
            Filter = DuplicateFilter.Read(c.Filter, Options.Bugs);
            Executed.AddRange(c.Executed);
            Ran.UnionWith(c.Ran);
            System = c.System;
            MasterState = c.Master;
            ReplayFrom = c.Header.Instance;
        }

        Schedule = new CheckpointSchedule(Options.CheckpointEvery, ReplayFrom);
        Truncation = new LogTruncation(Options, first);
        for (var i = 0; i < Durable.Count; i++)
        {
            if (Durable[i] is LogMark m)
            {
                Truncation.Marked(m.Instance, DurableStart + i);
            }
        }

        Retain();
        LeaseIncarnation = unchecked((Seed * 1_000_003L) + (Id.Value * 7919L) + Incarnation);
        if (Master is not null)
        {
            Lease = new MasterLease(Id, LeaseIncarnation, Master, new SeededRandom(unchecked((int)LeaseIncarnation)));
            Lease.Load(MasterState, Clock);
        }

        Fetch = new CheckpointFetch(Id, Options);
        Installed = null;
        Part = new MemoryStream();
        if (_partial is { } partial)
        {
            Fetch.Partial(partial.Fetch);
            Part.Write(partial.Bytes);
        }

        StartRoles();
    }

    /// <summary>
    /// Sets up the coordinator and the proposer with the membership the learner has applied:
    /// like GroupActor, once the learner replayed the recovered log.
    /// </summary>
    public void StartRoles()
    {
        var members = Members.With(System);
        var fence = Master is null ? null : new LeaseFence(Id, LeaseIncarnation, Master, MasterState, () => Clock);
        Coordinator = new InstanceCoordinator(Id, members, Options, Recovered.Instance, Recovered.PreviousChecksum, fence);
        var proposer = new Proposer(Id, members, Options, new SeededRandom(unchecked((Seed * 1_000_003) + (Id.Value * 7919) + Incarnation)),
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
        Publish(SimCheckpoint.Take(new CheckpointHeader(SimCheckpoint.Group, executed, Learner.LastChecksum), Filter.ToBytes(), Executed, Ran, System, MasterState));
        Schedule.Finished(executed);
        return true;
    }

    /// <summary>Publishes a checkpoint (taken here or fetched); like LearnerActor, keeps what <see cref="CheckpointSchedule.Retain"/> says.</summary>
    public void Publish(SimCheckpoint c)
    {
        Checkpoints.Add(c);
        Checkpoints.Sort((x, y) => x.Header.Instance.CompareTo(y.Header.Instance));
        Retain();
    }

    private void Retain()
    {
        var retention = CheckpointSchedule.Retain(Checkpoints.Select(c => c.Header.Instance), CheckpointKeep, _durable, Pins.Pinned(_time()));
        Checkpoints.RemoveAll(c => retention.Delete.Contains(c.Header.Instance));
        if (retention.TruncateBehind is { } behind)
        {
            Truncation.Checkpointed(behind);
        }
    }

    /// <summary>Cuts the journal if a step is due: deleting is atomic, as a database's delete is.</summary>
    public long? TruncateIfDue(long now)
    {
        if (Truncation.Next(now) is not { } step)
        {
            return null;
        }

        Durable.RemoveRange(0, checked((int)(step.Position - DurableStart)));
        DurableStart = step.Position;
        Truncation.Deleted(now);
        Learner.Truncated(step.Instance);
        return step.Instance;
    }

    /// <summary>
    /// Loads a fetched checkpoint, verified whole, into the state machine and the filter, and
    /// moves the learner there; the host then moves the other roles (the coordinator's skip).
    /// </summary>
    public void Install(SimCheckpoint c)
    {
        Filter = DuplicateFilter.Read(c.Filter, Options.Bugs);
        Executed.Clear();
        Executed.AddRange(c.Executed);
        Ran.Clear();
        Ran.UnionWith(c.Ran);
        System = c.System;
        MasterState = c.Master;
        Lease?.Load(c.Master, Clock);
        Learner.Installed(c.Header.Instance, c.Header.Checksum);
        Publish(c);
        Schedule.Finished(c.Header.Instance);
        Truncation.Installed(c.Header.Instance);
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
        HeldWrites.Clear();
        FlushScheduled = false;
        Acceptor = NewAcceptor(Core.Acceptor.Recover(Durable, Options.Bugs));
    }

    private Acceptor NewAcceptor(AcceptorState state) => new(Id, state, Options.Bugs, markEvery: Options.LogMarkEvery);

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
            case LogMark m:
                Truncation.Marked(m.Instance, DurableStart + Durable.Count);
                break;
        }

        // Like LearnerActor on ChosenDurable: the chosen log is durable up to the mark.
        if (write.Event is LogMark mark && mark.Instance > _durable)
        {
            _durable = mark.Instance;
            Retain();
        }

        Durable.Add(write.Event);
    }

    private void NewQueue(Proposer proposer)
    {
        ProposerIncarnation++;
        Queue = new ClientQueue(Id, Members, Options, proposer, AcceptorState.ProposerSession(_start, ++_proposers), new HashSet<int> { 1, StoredCommand.SystemMachine, StoredCommand.MasterMachine });
    }
}

/// <summary>
/// A simulated node's checkpoint: its header, the duplicate filter's bytes, the state machine
/// (what ran), and the file in the real format (<see cref="Bytes"/>) that a transfer sends.
/// </summary>
internal sealed record SimCheckpoint(CheckpointHeader Header, byte[] Filter, List<string> Executed, HashSet<string> Ran, SystemState System, MasterState Master, byte[] Bytes)
{
    public const string Group = "sim";

    private const int SystemSection = 2;

    public ulong FileChecksum { get; } = global::System.IO.Hashing.XxHash64.HashToUInt64(Bytes);

    public static SimCheckpoint Take(CheckpointHeader header, byte[] filter, IEnumerable<string> executed, IEnumerable<string> ran, SystemState system, MasterState master)
    {
        var file = new MemoryStream();
        var writer = new CheckpointWriter(file, header);
        using (var section = writer.Section(CheckpointFormat.FilterSection))
        {
            section.Write(filter);
        }

        using (var section = writer.Section(1))
        using (var w = new BinaryWriter(section))
        {
            Write(w, executed.ToList());
            Write(w, ran.Order(StringComparer.Ordinal).ToList());
        }

        using (var section = writer.Section(SystemSection))
        {
            section.Write(SystemSnapshot.Encode(system, master));
        }

        writer.Finish();
        return Read(file.ToArray());
    }

    /// <summary>A checkpoint from a file's bytes; <see cref="CorruptCheckpointException"/> if they are not one.</summary>
    public static SimCheckpoint Read(byte[] bytes)
    {
        CheckpointReader.Verify(new MemoryStream(bytes));
        byte[] filter = [];
        List<string> executed = [];
        List<string> ran = [];
        (SystemState Members, MasterState Master)? system = null;
        var header = CheckpointReader.Load(new MemoryStream(bytes), (id, stream) =>
        {
            if (id == CheckpointFormat.FilterSection)
            {
                var b = new MemoryStream();
                stream.CopyTo(b);
                filter = b.ToArray();
            }
            else if (id == SystemSection)
            {
                var b = new MemoryStream();
                stream.CopyTo(b);
                system = SystemSnapshot.Decode(b.ToArray());
            }
            else
            {
                using var r = new BinaryReader(stream);
                executed = ReadList(r);
                ran = ReadList(r);
            }
        });
        var (members, master) = system ?? throw new CorruptCheckpointException("The checkpoint has no membership.");
        return new SimCheckpoint(header, filter, executed, [.. ran], members, master, bytes);
    }

    private static void Write(BinaryWriter w, List<string> items)
    {
        w.Write(items.Count);
        items.ForEach(w.Write);
    }

    private static List<string> ReadList(BinaryReader r) => Enumerable.Range(0, r.ReadInt32()).Select(_ => r.ReadString()).ToList();
}
