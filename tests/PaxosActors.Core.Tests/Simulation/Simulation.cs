using System.Text;

namespace PaxosActors.Core.Tests.Simulation;

/// <summary>
/// A deterministic simulation of one group: virtual time, a seeded network that drops,
/// duplicates, delays and partitions, disks that make writes durable later (and lose them on
/// a crash), and the invariants of DESIGN.md checked after every step. The same seed gives the
/// same run. In manual mode the test is the network: it delivers or drops each message.
/// </summary>
internal sealed partial class Simulation
{
    private readonly PriorityQueue<SimEvent, (long Time, long Seq)> _events = new();
    private readonly Dictionary<long, (string Value, ulong Checksum)> _chosen = [];
    private readonly HashSet<string> _proposed = [];
    private readonly HashSet<string> _acknowledged = [];
    private readonly Dictionary<NodeId, Ballot> _livePromise = [];
    private long _seq;

    public Simulation(int nodes, int seed, ProtocolOptions? options = null, bool manual = false)
    {
        Seed = seed;
        Random = new Random(seed);
        Manual = manual;
        Options = options ?? new ProtocolOptions { PrepareTimeout = TimeSpan.FromMilliseconds(50), AcceptTimeout = TimeSpan.FromMilliseconds(50), MaxRoundTimeout = TimeSpan.FromMilliseconds(400) };
        var ids = Enumerable.Range(1, nodes).Select(i => new NodeId(i)).ToArray();
        var members = new Membership(ids, Options.Bugs);
        Nodes = ids.ToDictionary(id => id, id => new SimNode(id, members, Options, seed));
        if (!manual)
        {
            foreach (var n in Nodes.Values)
            {
                ScheduleLearnTick(n);
            }
        }
    }

    public int Seed { get; }

    public Random Random { get; }

    public bool Manual { get; }

    public ProtocolOptions Options { get; }

    public long Now { get; private set; }

    public Dictionary<NodeId, SimNode> Nodes { get; }

    public SimNetwork Network { get; } = new();

    public List<InFlight> InFlight { get; } = [];

    /// <summary>Manual mode: each node's latest armed proposer timer, fired by <see cref="FireTimer"/>.</summary>
    public Dictionary<NodeId, long> ArmedTimers { get; } = [];

    public IReadOnlyDictionary<long, (string Value, ulong Checksum)> Chosen => _chosen;

    public Dictionary<string, long> Counters { get; } = [];

    public void Schedule(long at, SimEvent e) => _events.Enqueue(e, (at, _seq++));

    /// <summary>A client hands <paramref name="value"/> to <paramref name="node"/> now.</summary>
    public void Propose(NodeId node, string value)
    {
        var n = Nodes[node];
        if (!n.Up)
        {
            return;
        }

        _proposed.Add(value);
        n.Waiting.Enqueue(Encoding.UTF8.GetBytes(value));
        ProposeNext(n);
    }

    /// <summary>Runs events until virtual time <paramref name="until"/>.</summary>
    public void RunUntil(long until)
    {
        while (_events.TryPeek(out _, out var at) && at.Time <= until)
        {
            var e = _events.Dequeue();
            Now = at.Time;
            Step(e);
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
        Run(n, n.Learner.Replay());
        if (!Manual)
        {
            ScheduleLearnTick(n);
        }
    }

    private void Step(SimEvent e)
    {
        switch (e)
        {
            case Arrival a when Nodes[a.To].Up:
                Run(Nodes[a.To], Nodes[a.To].Coordinator.Handle(a.Message));
                break;
            case TimerFired t when Live(t.Node, t.Incarnation):
                Run(Nodes[t.Node], Nodes[t.Node].Proposer.OnTimer(t.Generation));
                break;
            case LearnTick l when Live(l.Node, l.Incarnation):
                Run(Nodes[l.Node], Nodes[l.Node].Coordinator.OnLearnTick());
                ScheduleLearnTick(Nodes[l.Node]);
                break;
            case DiskFlush f when Live(f.Node, f.Incarnation):
                Flush(Nodes[f.Node], Random.Next(1, Nodes[f.Node].PendingWrites.Count + 1));
                break;
            case ClientRequest c:
                Propose(c.Node, Encoding.UTF8.GetString(c.Value));
                break;
            case NemesisStep:
                Nemesis();
                break;
        }
    }

    private bool Live(NodeId id, int incarnation) => Nodes[id].Up && Nodes[id].Incarnation == incarnation;

    private void ScheduleLearnTick(SimNode n) =>
        Schedule(Now + 1000 + Random.Next(0, 500), new LearnTick(n.Id, n.Incarnation));

    private void ProposeNext(SimNode n)
    {
        if (n.Up && !n.Proposer.IsBusy && n.Waiting.Count > 0 && !n.Coordinator.IsHalted)
        {
            n.Proposing = n.Waiting.Dequeue();
            Run(n, n.Proposer.Propose(n.Proposing));
        }
    }

    private void Run(SimNode n, IReadOnlyList<Effect> effects)
    {
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case Send s:
                    Transmit(n, s);
                    break;
                case PersistThenSend p:
                    n.PendingWrites.Add(p);
                    ScheduleFlush(n);
                    break;
                case StartTimer t:
                    if (Manual)
                    {
                        ArmedTimers[n.Id] = t.Generation;
                    }
                    else
                    {
                        Schedule(Now + (long)t.Delay.TotalMilliseconds, new TimerFired(n.Id, n.Incarnation, t.Generation));
                    }

                    break;
                case Deliver d:
                    Dispatch(n, d);
                    break;
                case ServeFromStorage read:
                    ServeFromDisk(n, read);
                    break;
                case Execute x:
                    if (x.Instance != n.Executed.Count)
                    {
                        Fail($"invariant 3: node {n.Id} executed instance {x.Instance} after {n.Executed.Count} others");
                    }

                    n.Executed.Add(x.Value);
                    break;
                case ProposalChosen or ProposalFailed:
                    Count(effect is ProposalChosen ? "proposal.chosen" : "proposal.failed");
                    if (effect is ProposalChosen && n.Proposing is not null)
                    {
                        _acknowledged.Add(Encoding.UTF8.GetString(n.Proposing));
                    }

                    if (effect is ProposalFailed && !_faults && n.Proposing is not null)
                    {
                        // Once faults stop, a client whose value lost to others' tries again.
                        n.Waiting.Enqueue(n.Proposing);
                    }

                    n.Proposing = null;
                    ProposeNext(n);
                    break;
                case Halt h:
                    n.Coordinator.Halt(h.Reason);
                    Count("halt");
                    Fail($"invariant 6: node {n.Id} halted: {h.Reason}");
                    break;
                case Dropped dr:
                    Count("dropped." + dr.Reason);
                    break;
            }
        }
    }

    private void Dispatch(SimNode n, Deliver d)
    {
        switch (d.To)
        {
            case Role.Acceptor:
                Run(n, n.Acceptor.Handle(d.Input));
                CheckPromise(n);
                break;
            case Role.Learner:
                if (d.Input is InstanceLearned l)
                {
                    CheckAgreement(n, l);
                }

                Run(n, n.Learner.Handle(d.Input));
                break;
            case Role.Proposer:
                Run(n, n.Proposer.Handle(d.Input));
                break;
        }
    }

    /// <summary>What a node serves from its disk: the durable chosen values it holds, in order.</summary>
    private void ServeFromDisk(SimNode n, ServeFromStorage read)
    {
        Count("served_from_disk");
        var durable = n.Durable.OfType<InstanceChosen>().Where(c => c.Instance >= read.From && c.Instance < read.Until).GroupBy(c => c.Instance).Select(g => g.First()).OrderBy(c => c.Instance);
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

        if (s.To == from.Id)
        {
            Schedule(Now, new Arrival(from.Id, s.To, s.Message));
            return;
        }

        if (Network.IsCut(from.Id, s.To) || Random.NextDouble() < Network.DropRate)
        {
            Count("net.lost");
            return;
        }

        Schedule(Now + Random.Next(1, Network.MaxDelayMs + 1), new Arrival(from.Id, s.To, s.Message));
        if (Random.NextDouble() < Network.DuplicateRate)
        {
            Count("net.duplicated");
            Schedule(Now + Random.Next(1, Network.MaxDelayMs + 1), new Arrival(from.Id, s.To, s.Message));
        }
    }

    private void Count(string name) => Counters[name] = Counters.GetValueOrDefault(name) + 1;

    private void Fail(string what) =>
        throw new InvariantViolation($"{what} (seed {Seed}, t={Now} ms; replay: PAXOS_SIM_SEED={Seed})");
}
