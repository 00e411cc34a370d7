namespace PaxosActors.Core.Tests.Simulation;

/// <summary>
/// A deterministic simulation of one group: virtual time, a seeded network that drops,
/// duplicates, delays and partitions (Paxos messages, hand-overs and refusals alike), disks that
/// make writes durable later (and lose them on a crash), clients with deadlines on every node,
/// and the invariants of DESIGN.md checked after every step. The same seed gives the same run.
/// In manual mode the test is the network: it delivers or drops each Paxos message.
/// </summary>
internal sealed partial class Simulation
{
    private readonly PriorityQueue<SimEvent, (long Time, long Seq)> _events = new();
    private readonly Dictionary<long, (string Value, ulong Checksum)> _chosen = [];
    private readonly Dictionary<NodeId, Ballot> _livePromise = [];
    private long _seq;

    /// <param name="members">
    /// How many of the nodes are the configured members (all by default); with fewer, the others
    /// start outside the group and the nemesis changes the membership through the log.
    /// </param>
    /// <param name="master">The group's master lease (null: none): nodes bid for it, and clients read from its holder.</param>
    public Simulation(int nodes, int seed, ProtocolOptions? options = null, bool manual = false, int? members = null, MasterOptions? master = null)
    {
        Seed = seed;
        Master = master;
        Random = new Random(seed);
        Manual = manual;
        Options = options ?? new ProtocolOptions { PrepareTimeout = TimeSpan.FromMilliseconds(50), AcceptTimeout = TimeSpan.FromMilliseconds(50), MaxRoundTimeout = TimeSpan.FromMilliseconds(400) };
        if (manual)
        {
            // The scripts decide who proposes: no hand-overs, and no caller gives up.
            Options = Options with { ForwardToLeader = false, ProposeTimeout = TimeSpan.FromDays(1) };
        }

        var ids = Enumerable.Range(1, nodes).Select(i => new NodeId(i)).ToArray();
        var configured = new Membership(ids.Take(members ?? nodes), Options.Bugs);
        Reconfigures = (members ?? nodes) < nodes;
        Nodes = ids.ToDictionary(id => id, id => new SimNode(id, configured, Options, seed, master, () => Now));
        if (!manual)
        {
            foreach (var n in Nodes.Values)
            {
                ScheduleLearnTick(n);
                if (master is not null)
                {
                    ScheduleMasterTick(n);
                }
            }
        }
    }

    public int Seed { get; }

    /// <summary>Whether the nemesis changes the membership (some nodes start outside the group).</summary>
    public bool Reconfigures { get; }

    /// <summary>
    /// How far, at most, the learner's mailbox runs behind the coordinator (ms): a busy state
    /// machine on some seeds.
    /// </summary>
    public int LearnerLag => Seed % 5 == 0 ? 60 : 4;

    public Random Random { get; }

    public bool Manual { get; }

    public ProtocolOptions Options { get; }

    public long Now { get; private set; }

    public Dictionary<NodeId, SimNode> Nodes { get; }

    public SimNetwork Network { get; } = new();

    public List<InFlight> InFlight { get; } = [];

    /// <summary>Manual mode: each node's latest armed proposer timer, fired by <see cref="FireTimer"/>.</summary>
    public Dictionary<NodeId, long> ArmedTimers { get; } = [];

    /// <summary>Each chosen instance: its value described (the commands in it) and its checksum.</summary>
    public IReadOnlyDictionary<long, (string Value, ulong Checksum)> Chosen => _chosen;

    public Dictionary<string, long> Counters { get; } = [];

    public void Schedule(long at, SimEvent e) => _events.Enqueue(e, (at, _seq++));

    /// <summary>Runs events until virtual time <paramref name="until"/>.</summary>
    public void RunUntil(long until)
    {
        while (_events.TryPeek(out _, out var at) && at.Time <= until)
        {
            var e = _events.Dequeue();
            Now = at.Time;
            Step(e);
            if (Master is not null)
            {
                CheckOneMaster();
            }
        }

        Now = Math.Max(Now, until);
    }

    public void Crash(NodeId id)
    {
        var n = Nodes[id];
        if (!n.Up)
        {
            return;
        }

        Count("fault.crash");
        CallersDied(n);
        n.Crash(Random);
        _livePromise.Remove(id);
    }

    public void Restart(NodeId id)
    {
        var n = Nodes[id];
        if (n.Up)
        {
            return;
        }

        Count("fault.restart");
        n.Start();
        if (n.Recovered.Promised < n.MaxDurablePromise)
        {
            Fail($"invariant 4: node {id} recovered promise {n.Recovered.Promised} below its durable {n.MaxDurablePromise}");
        }

        _livePromise[id] = n.Recovered.Promised;
        if (n.ReplayFrom > 0)
        {
            Count("checkpoint.loaded");
        }

        // Like GroupActor: the learner replays first; the coordinator and proposer start with the
        // membership the replayed log makes.
        n.Replaying = true;
        Run(n, n.Learner.Replay(n.ReplayFrom));
        n.Replaying = false;
        n.StartRoles();
        TellMaster(n);
        if (!Manual)
        {
            ScheduleLearnTick(n);
            if (Master is not null)
            {
                ScheduleMasterTick(n);
            }
        }
    }

    /// <summary>The proposer actor alone restarts: its callers are answered, a new session begins.</summary>
    public void RestartProposer(NodeId id)
    {
        var n = Nodes[id];
        if (n.Up)
        {
            Count("fault.proposer_restart");
            Run(n, n.RestartProposer());
            TellMaster(n);
        }
    }

    /// <summary>
    /// The acceptor alone restarts from its durable state (a storage outage), then is brought up
    /// to what the learner knows, from the learner's memory or the node's own durable log.
    /// </summary>
    public void RestartAcceptor(NodeId id)
    {
        var n = Nodes[id];
        if (!n.Up)
        {
            return;
        }

        Count("fault.acceptor_restart");

        // GroupActor asks the learner for its log through the learner's mailbox, so the answer
        // covers everything the coordinator learned before the restart: the learner works off
        // its mailbox first.
        DrainLearner(n);
        n.RestartAcceptor();
        if (n.Installed is { } installed && installed.Instance > n.Acceptor.State.Instance)
        {
            // Like GroupActor: the jump to the installed checkpoint was not durable yet; it is made again.
            Count("acceptor.installed_again");
            Run(n, n.Acceptor.Handle(new CheckpointInstalled(installed.Instance, installed.PreviousChecksum)));
        }

        _livePromise[id] = n.Acceptor.State.Promised;
        var durable = ChosenLog.Recover(n.Durable).Log.ToDictionary(c => c.Instance);
        for (var i = n.Acceptor.State.Instance; i < n.Learner.NextInstance; i++)
        {
            var entry = i >= n.Learner.FirstInMemory ? n.Learner.InMemory[(int)(i - n.Learner.FirstInMemory)] : durable.TryGetValue(i, out var c) ? new LogEntry(c.Value, c.Checksum) : default;
            if (entry.Value is null)
            {
                Fail($"storage: node {id}'s acceptor restarted at {n.Acceptor.State.Instance} and instance {i} is neither in memory nor durable");
            }

            Run(n, n.Acceptor.Handle(new InstanceLearned(i, entry.Value!, entry.Checksum)));
        }
    }

    private void Step(SimEvent e)
    {
        switch (e)
        {
            case Arrival a when Nodes[a.To].Up:
                Run(Nodes[a.To], Nodes[a.To].Coordinator.Handle(a.Message));
                break;
            case ClientArrival c when Nodes[c.To].Up:
                Deliver(Nodes[c.To], c);
                break;
            case TimerFired t when Live(t.Node, t.Incarnation) && Nodes[t.Node].ProposerIncarnation == t.Proposer:
                Run(Nodes[t.Node], Nodes[t.Node].Queue.OnRoundTimer(t.Generation, Now));
                break;
            case QueueWake w when Live(w.Node, w.Incarnation) && Nodes[w.Node].ProposerIncarnation == w.Proposer:
                Run(Nodes[w.Node], Nodes[w.Node].Queue.Tick(Now));
                break;
            case LearnerDrain d when Live(d.Node, d.Incarnation):
                DrainLearner(Nodes[d.Node]);
                break;
            case LearnTick l when Live(l.Node, l.Incarnation):
                Run(Nodes[l.Node], Nodes[l.Node].Coordinator.OnLearnTick());
                Run(Nodes[l.Node], Nodes[l.Node].Fetch.OnTick());
                if (Nodes[l.Node].TruncateIfDue(Now) is not null)
                {
                    Count("log.truncated");
                }

                ScheduleLearnTick(Nodes[l.Node]);
                break;
            case ReleaseHeld r when Live(r.Node, r.Incarnation):
                ReleaseHeld(Nodes[r.Node]);
                break;
            case DiskFlush f when Live(f.Node, f.Incarnation):
                Flush(Nodes[f.Node], Random.Next(1, Nodes[f.Node].PendingWrites.Count + 1));
                break;
            case ClientRequest c:
                Submit(c.Node, c.Command, c.Batch);
                break;
            case NemesisStep:
                Nemesis();
                break;
            case CrashWhileFetching c when _faults && Live(c.Node, c.Incarnation) && Nodes[c.Node].Fetch.Offer is not null:
                Crash(c.Node);
                Schedule(Now + Random.Next(1, 50), new RestartNode(c.Node));
                break;
            case RestartNode r:
                Restart(r.Node);
                break;
            case MasterTick m when Live(m.Node, m.Incarnation):
                OnMasterTick(Nodes[m.Node]);
                break;
            case LeaseReadRequest:
                OnLeaseRead();
                break;
        }
    }

    private bool Live(NodeId id, int incarnation) => Nodes[id].Up && Nodes[id].Incarnation == incarnation;

    private void ScheduleLearnTick(SimNode n) =>
        Schedule(Now + 1000 + Random.Next(0, 500), new LearnTick(n.Id, n.Incarnation));

    private void Run(SimNode n, IReadOnlyList<Effect> effects)
    {
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case Send s:
                    Transmit(n, s);
                    break;
                case PersistThenSend { MayWait: true } p when !Manual && n.Options.ChosenWriteDelay > TimeSpan.Zero:
                    n.HeldWrites.Add(p);
                    if (n.HeldWrites.Count == 1)
                    {
                        Schedule(Now + (long)n.Options.ChosenWriteDelay.TotalMilliseconds, new ReleaseHeld(n.Id, n.Incarnation));
                    }

                    break;
                case PersistThenSend p when n.Options.Bugs.HasFlag(DeliberateBugs.HeldWriteOvertaken):
                    n.PendingWrites.Add(p);
                    ReleaseHeld(n);
                    ScheduleFlush(n);
                    break;
                case PersistThenSend p:
                    ReleaseHeld(n);
                    n.PendingWrites.Add(p);
                    ScheduleFlush(n);
                    break;
                case StartTimer t when Manual:
                    ArmedTimers[n.Id] = t.Generation;
                    break;
                case StartTimer t:
                    Schedule(Now + (long)t.Delay.TotalMilliseconds, new TimerFired(n.Id, n.Incarnation, n.ProposerIncarnation, t.Generation));
                    break;
                case WakeAt w when !Manual:
                    Schedule(Math.Max(Now, w.At), new QueueWake(n.Id, n.Incarnation, n.ProposerIncarnation));
                    break;
                case WakeAt:
                    break;
                case Deliver d:
                    Dispatch(n, d);
                    break;
                case ServeFromStorage read:
                    ServeFromDisk(n, read);
                    break;
                case Execute x:
                    Execute(n, x);
                    break;
                case OfferCheckpoint o:
                    Offer(n, o.To);
                    break;
                case BeginFetch b:
                    if (b.From > n.Part.Length)
                    {
                        Fail($"storage: node {n.Id} resumed a fetch at byte {b.From} of a partial file of {n.Part.Length}");
                    }

                    if (b.From > 0)
                    {
                        Count("transfer.resumed_from_disk");
                    }

                    n.Part.SetLength(b.From);
                    break;
                case WriteChunk w:
                    n.Part.Position = w.Offset;
                    n.Part.Write(w.Data);
                    if (_faults && Random.Next(3) == 0)
                    {
                        Schedule(Now, new CrashWhileFetching(n.Id, n.Incarnation));
                    }

                    break;
                case InstallCheckpoint i:
                    InstallFetched(n, i.Offer);
                    break;
                case Answer a:
                    Answered(n, a);
                    break;
                case ForwardCommands or RefuseCommands:
                    TransmitClient(n, effect);
                    break;
                case Rejected r:
                    Count("rejected." + r.Reason);
                    break;
                case Halt h:
                    n.Coordinator.Halt(h.Reason);
                    Count("halt");
                    Fail($"invariant 6: node {n.Id} halted: {h.Reason}");
                    break;
                case Dropped dr:
                    Count("dropped." + dr.Reason);
                    break;
                default:
                    throw new InvalidOperationException($"The simulator has no way to carry out {effect.GetType().Name}.");
            }
        }
    }

    private void Dispatch(SimNode n, Deliver d)
    {
        if (d.To == Role.Learner && !Manual)
        {
            // The learner is a mailbox away from the coordinator, as in GroupActor.
            n.LearnerInbox.Enqueue(d);
            if (n.LearnerInbox.Count == 1)
            {
                Schedule(Now + Random.Next(0, LearnerLag), new LearnerDrain(n.Id, n.Incarnation));
            }

            return;
        }

        ToRole(n, d);
    }

    private void DrainLearner(SimNode n)
    {
        while (n.Up && n.LearnerInbox.TryDequeue(out var d))
        {
            ToRole(n, d);
        }
    }

    private void ToRole(SimNode n, Deliver d)
    {
        switch (d.To)
        {
            case Role.Acceptor:
                if (d.Input is Accept a)
                {
                    CheckOneValuePerBallot(n, a);
                }

                Run(n, n.Acceptor.Handle(d.Input));
                CheckPromise(n);
                break;
            case Role.Learner when d.Input is CheckpointOffer o:
                Run(n, n.Fetch.Offered(o, n.Learner.NextInstance));
                break;
            case Role.Learner when d.Input is CheckpointChunk c:
                Run(n, n.Fetch.Received(c));
                break;
            case Role.Learner when d.Input is ChunkRequest r:
                ServeChunk(n, r);
                break;
            case Role.Proposer when d.Input is MasterSeen seen:
                Run(n, n.Queue.MasterSeen(seen, Now));
                break;
            case Role.Proposer when d.Input is InstancesSkipped skipped:
                Run(n, n.Queue.Skipped(skipped, Now));
                break;
            case Role.Learner:
                if (d.Input is InstanceLearned l)
                {
                    CheckAgreement(n, l);
                }

                Run(n, n.Learner.Handle(d.Input));
                if (n.TakeCheckpointIfDue())
                {
                    Count("checkpoint.taken");
                }

                break;
            case Role.Proposer when d.Input is InstanceLearned learned:
                Run(n, n.Queue.Learned(learned, Now));
                break;
            case Role.Proposer:
                Run(n, n.Queue.Handle((PaxosMessage)d.Input, Now));
                break;
        }
    }

    private void Deliver(SimNode n, ClientArrival c)
    {
        switch (c.Message)
        {
            case ForwardCommands f:
                Run(n, n.Queue.Forwarded(c.From, f.Value, Now));
                break;
            case RefuseCommands r:
                Run(n, n.Queue.Refused(c.From, r.Session, r.Sequences, r.Reason, r.Message, Now));
                break;
        }
    }

    /// <summary>What a node serves from its disk: the durable chosen values it holds, in order.</summary>
    private void ServeFromDisk(SimNode n, ServeFromStorage read)
    {
        Count("served_from_disk");
        var durable = ChosenLog.Recover(n.Durable).Log.Where(c => c.Instance >= read.From && c.Instance < read.Until);
        var next = read.From;
        foreach (var c in durable)
        {
            if (c.Instance != next)
            {
                break;
            }

            Transmit(n, new Send(read.To, new ValueChosen(c.Instance, n.Id, c.Value, c.Checksum)));
            next++;
        }

        if (next < read.Offer)
        {
            Transmit(n, new Send(read.To, new LearnOffer(read.Offer, n.Id)));
        }
    }

    /// <summary>Like LearnerActor: offers the newest checkpoint to a node that needs what the journal no longer holds.</summary>
    private void Offer(SimNode n, NodeId to)
    {
        if (n.Checkpoint is not { } c)
        {
            Fail($"storage: node {n.Id} cut its journal and has no checkpoint to offer");
            return;
        }

        Count("transfer.offered");
        Transmit(n, new Send(to, new CheckpointOffer(c.Header.Instance, n.Id, c.Bytes.Length, c.FileChecksum)));
    }

    /// <summary>Serves a chunk of a kept checkpoint file, or an empty one if the file is gone.</summary>
    private void ServeChunk(SimNode n, ChunkRequest r)
    {
        var file = n.Checkpoints.FirstOrDefault(c => c.Header.Instance == r.Instance && c.FileChecksum == r.FileChecksum);
        var data = file is null || r.Offset >= file.Bytes.Length ? [] : file.Bytes.AsSpan((int)r.Offset, (int)Math.Min(r.Bytes, file.Bytes.Length - r.Offset)).ToArray();
        if (file is not null && !n.Options.Bugs.HasFlag(DeliberateBugs.TransferUnpinned))
        {
            n.Pins.Served(r.Instance, Now);
        }

        Transmit(n, new Send(r.From, CheckpointFetch.Chunk(n.Id, r, data)));
    }

    /// <summary>Like LearnerActor: the fetched file, whole and verified, replaces the state machine; every role moves on.</summary>
    private void InstallFetched(SimNode n, CheckpointOffer o)
    {
        if (o.Instance <= n.Learner.NextInstance)
        {
            Count("transfer.caught_up_meanwhile");
            n.Fetch.Finished();
            return;
        }

        var bytes = n.Part.ToArray();
        SimCheckpoint? c = null;
        if (bytes.Length == o.Length && global::System.IO.Hashing.XxHash64.HashToUInt64(bytes) == o.FileChecksum)
        {
            try
            {
                c = SimCheckpoint.Read(bytes);
            }
            catch (CorruptCheckpointException)
            {
            }
        }

        if (c is null || c.Header.Instance != o.Instance || c.Header.Group != SimCheckpoint.Group)
        {
            Run(n, n.Fetch.Broken());
            return;
        }

        if (!_chosen.TryGetValue(c.Header.Instance - 1, out var last) || last.Checksum != c.Header.Checksum)
        {
            Fail($"invariant 6: node {n.Id} fetched a checkpoint at {c.Header.Instance} whose checksum is not the chosen log's");
        }

        Count("transfer.installed");
        if (n.Coordinator.Instance >= c.Header.Instance)
        {
            // The coordinator learned past the checkpoint while the learner's mailbox held it.
            Count("transfer.installed_behind_coordinator");
        }

        n.Install(c);
        n.Fetch.Finished();
        n.Installed = new InstancesSkipped(c.Header.Instance, c.Header.Checksum, n.Filter.MarksOf(n.Id), n.System) { Master = n.MasterState };
        Run(n, n.Coordinator.Skip(n.Installed));
    }

    /// <summary>The held writes join the pending ones, in the order the acceptor made them.</summary>
    private void ReleaseHeld(SimNode n)
    {
        if (n.HeldWrites.Count == 0)
        {
            return;
        }

        n.PendingWrites.AddRange(n.HeldWrites);
        n.HeldWrites.Clear();
        ScheduleFlush(n);
    }

    private void ScheduleFlush(SimNode n)
    {
        if (Manual)
        {
            Flush(n, n.PendingWrites.Count);
            return;
        }

        if (!n.FlushScheduled)
        {
            n.FlushScheduled = true;
            Schedule(Now + Random.Next(0, 3), new DiskFlush(n.Id, n.Incarnation));
        }
    }

    private void Flush(SimNode n, int count)
    {
        n.FlushScheduled = false;
        var done = n.PendingWrites.Take(count).ToList();
        n.PendingWrites.RemoveRange(0, done.Count);
        foreach (var w in done)
        {
            n.MakeDurable(w);
            foreach (var reply in w.Replies)
            {
                Transmit(n, reply);
            }
        }

        if (n.PendingWrites.Count > 0)
        {
            ScheduleFlush(n);
        }
    }

    private void Transmit(SimNode from, Send s)
    {
        CheckDurableBeforeReply(from, s.Message);
        Count("sent");
        if (Manual)
        {
            InFlight.Add(new InFlight(from.Id, s.To, s.Message));
            return;
        }

        foreach (var delay in Delays(from.Id, s.To, s.Message))
        {
            var message = s.Message;
            if (message is CheckpointChunk { Data.Length: > 0 } c && Random.NextDouble() < Network.CorruptRate)
            {
                // A flipped bit on the way: the chunk's checksum must catch it.
                Count("net.corrupted");
                var data = c.Data.ToArray();
                data[Random.Next(data.Length)] ^= (byte)(1 << Random.Next(8));
                message = c with { Data = data };
            }

            Schedule(Now + delay, new Arrival(from.Id, s.To, message));
        }
    }

    /// <summary>Hand-overs and refusals cross the same faulty network as Paxos messages.</summary>
    private void TransmitClient(SimNode from, Effect message)
    {
        Count(message is ForwardCommands ? "forwarded" : "refused");
        var to = message is ForwardCommands f ? f.To : ((RefuseCommands)message).To;
        foreach (var delay in Manual ? [0L] : Delays(from.Id, to))
        {
            Schedule(Now + delay, new ClientArrival(from.Id, to, message));
        }
    }

    /// <summary>When a message sent now arrives: never (lost), once, or twice (duplicated).</summary>
    private List<long> Delays(NodeId from, NodeId to, PaxosMessage? message = null)
    {
        if (to == from)
        {
            // With a master, the proposer's news that its value was chosen may reach its own node
            // after it reached others (its sends are not ordered across receivers).
            return [Master is not null && message is ValueChosen ? Random.Next(0, Network.MaxDelayMs + 1) : 0];
        }

        if (Network.IsCut(from, to) || Random.NextDouble() < Network.DropRate)
        {
            Count("net.lost");
            return [];
        }

        var delays = new List<long> { Random.Next(1, Network.MaxDelayMs + 1) };
        if (Random.NextDouble() < Network.DuplicateRate)
        {
            Count("net.duplicated");
            delays.Add(Random.Next(1, Network.MaxDelayMs + 1));
        }

        return delays;
    }

    private void Count(string name) => Counters[name] = Counters.GetValueOrDefault(name) + 1;

    private void Fail(string what) =>
        throw new InvariantViolation($"{what} (seed {Seed}, t={Now} ms; replay: PAXOS_SIM_SEED={Seed})");
}
