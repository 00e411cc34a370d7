namespace PaxosActors.Core.Tests.Master;

/// <summary>
/// A seeded simulation of the master lease rules (<see cref="MasterLease"/>) under drifting
/// clocks. The log is what Paxos gives the master state machine: one order of chosen bids, which
/// every node learns in that order, each at its own pace. Around it: bids that are lost, or chosen
/// although their proposer heard a failure; nodes cut off for a while (they neither learn nor get
/// bids through); crashes and restarts (a new incarnation that replays what it had learned, or
/// loads it as a checkpoint); masters that drop the lease; and clocks whose rates wander within
/// the drift bound. Real time advances a millisecond at a time, and at every millisecond at most
/// one node may believe it holds the lease.
/// </summary>
internal sealed class LeaseSimulation
{
    private const long LeaseMs = 1_000;
    private readonly Random _random;
    private readonly MasterOptions _options;
    private readonly double _trueDrift;
    private readonly Node[] _nodes;
    private readonly List<(long At, long Instance, MasterCommand Bid)> _log = [];
    private readonly List<(long At, int From, long Incarnation, MasterCommand Bid, bool Lost)> _inFlight = [];
    private long _nextInstance;

    public LeaseSimulation(int seed, DeliberateBugs bugs = DeliberateBugs.None)
    {
        Seed = seed;
        _random = new Random(seed);
        _options = new MasterOptions(LeaseMs, MaxDrift: 0.1) { Bugs = bugs };
        _trueDrift = _options.MaxDrift;
        _nodes = [.. Enumerable.Range(1, seed % 3 == 0 ? 5 : 3).Select(i => new Node(new NodeId(i)))];
        foreach (var node in _nodes)
        {
            Start(node, 0);
        }
    }

    public int Seed { get; }

    /// <summary>The first moment two nodes believed they held the lease, or null.</summary>
    public string? Violation { get; private set; }

    /// <summary>Milliseconds in which some node held the lease.</summary>
    public long MasteredMs { get; private set; }

    public int Changes { get; private set; }

    public LeaseSimulation Run(long horizonMs = 60_000)
    {
        for (long t = 1; t <= horizonMs && Violation is null; t++)
        {
            Step(t);
        }

        return this;
    }

    private void Step(long t)
    {
        foreach (var node in _nodes)
        {
            node.Tick(t, _random, _trueDrift);
        }

        Deliver(t);
        foreach (var node in _nodes)
        {
            Faults(node, t);
            if (!node.Up)
            {
                continue;
            }

            Learn(node, t);
            if (t >= node.NextElection)
            {
                node.NextElection = t + _random.Next(30, 80);
                if (node.Lease.IsMaster(node.Now) && _random.Next(400) == 0)
                {
                    Submit(node, t, node.Lease.Drop(node.Now)!);
                }
                else if (node.Lease.Bid(node.Now) is { } bid)
                {
                    Submit(node, t, bid);
                }
            }
        }

        var believers = _nodes.Where(n => n.Up && n.Lease.IsMaster(n.Now)).ToList();
        if (believers.Count > 1)
        {
            Violation = $"seed {Seed}, t={t} ms: nodes {string.Join(", ", believers.Select(b => $"{b.Id} (version {b.Lease.State.Version}, {b.Lease.View(b.Now).RemainingMs} ms left)"))} all hold the lease";
        }

        MasteredMs += believers.Count;
    }

    private void Submit(Node node, long t, MasterCommand bid) =>
        _inFlight.Add((t + _random.Next(2, 120), Array.IndexOf(_nodes, node), node.Incarnation, bid, node.CutOff || _random.Next(8) == 0));

    private void Deliver(long t)
    {
        for (var i = 0; i < _inFlight.Count; i++)
        {
            var (at, from, incarnation, bid, lost) = _inFlight[i];
            if (at > t)
            {
                continue;
            }

            _inFlight.RemoveAt(i--);
            var chosen = !lost || _random.Next(3) == 0;
            if (chosen)
            {
                _log.Add((t, _nextInstance, bid));
                _nextInstance += 1 + _random.Next(3);
            }

            // The proposer hears a failure when the bid was lost, and sometimes although it was chosen.
            var node = _nodes[from];
            if ((lost || _random.Next(10) == 0) && node.Up && node.Incarnation == incarnation)
            {
                node.Lease.Answered();
            }
        }
    }

    private void Learn(Node node, long t)
    {
        if (node.CutOff || node.Learned >= _log.Count || t < _log[node.Learned].At + node.LearnDelay)
        {
            return;
        }

        var (_, instance, bid) = _log[node.Learned++];
        node.LearnDelay = _random.Next(0, 60);
        if (node.Lease.Learn(instance, bid, node.Now) is not null && node == _nodes[0])
        {
            Changes++;
        }
    }

    private void Faults(Node node, long t)
    {
        if (!node.Up)
        {
            if (t >= node.DownUntil)
            {
                Start(node, t);
            }

            return;
        }

        if (_random.Next(20_000) == 0)
        {
            node.Up = false;
            node.DownUntil = t + _random.Next(100, 3_000);
            return;
        }

        if (node.CutOff && t >= node.CutOffUntil)
        {
            node.CutOff = false;
        }
        else if (!node.CutOff && _random.Next(8_000) == 0)
        {
            node.CutOff = true;
            node.CutOffUntil = t + _random.Next(200, 4_000);
        }
    }

    /// <summary>A (re)start: a new incarnation, from what the node had learned, replayed or loaded as a checkpoint.</summary>
    private void Start(Node node, long t)
    {
        node.Up = true;
        node.CutOff = false;
        node.Incarnation = _random.NextInt64();
        node.Rate = Node.RateWithin(_random, _trueDrift);
        node.Lease = new MasterLease(node.Id, node.Incarnation, _options, new SeededRandom(_random.Next()));
        var checkpoint = _random.Next(2) == 0 ? _random.Next(node.Learned + 1) : 0;
        var state = MasterState.Initial;
        for (var i = 0; i < checkpoint; i++)
        {
            state = state.Apply(_log[i].Instance, _log[i].Bid) ?? state;
        }

        node.Lease.Load(state, node.Now);
        for (var i = checkpoint; i < node.Learned; i++)
        {
            node.Lease.Learn(_log[i].Instance, _log[i].Bid, node.Now);
        }

        node.NextElection = t + _random.Next(0, 100);
    }

    private sealed class Node(NodeId id)
    {
        private double _clock = 1_000_000 * id.Value;

        public NodeId Id { get; } = id;

        public MasterLease Lease { get; set; } = null!;

        public long Incarnation { get; set; }

        public bool Up { get; set; }

        public long DownUntil { get; set; }

        public bool CutOff { get; set; }

        public long CutOffUntil { get; set; }

        public int Learned { get; set; }

        public int LearnDelay { get; set; }

        public long NextElection { get; set; }

        public double Rate { get; set; } = 1;

        /// <summary>This node's monotonic clock, in whole milliseconds.</summary>
        public long Now => (long)Math.Floor(_clock);

        /// <summary>A clock rate within the bound, mostly at its edges (the worst case for leases).</summary>
        public static double RateWithin(Random random, double drift) => random.Next(5) switch
        {
            0 or 1 => 1 - drift,
            2 or 3 => 1 + drift,
            _ => 1 + ((random.NextDouble() * 2) - 1) * drift,
        };

        /// <summary>One real millisecond passes: the clock advances at its rate, which now and then wanders within the bound.</summary>
        public void Tick(long t, Random random, double drift)
        {
            if (t % 1_000 == 0 && random.Next(3) == 0)
            {
                Rate = RateWithin(random, drift);
            }

            _clock += Rate;
        }
    }
}
