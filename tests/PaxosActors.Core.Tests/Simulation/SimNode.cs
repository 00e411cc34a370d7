namespace PaxosActors.Core.Tests.Simulation;

/// <summary>
/// One simulated node of one group: the same core classes GroupActor composes, plus what a
/// crash keeps (<see cref="Durable"/>) and what it loses (everything else).
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

    /// <summary>What survives a crash: the acceptor's durable writes, in order.</summary>
    public List<AcceptorEvent> Durable { get; } = [];

    /// <summary>Writes handed to the disk and not yet durable, with the replies they hold back.</summary>
    public List<PersistThenSend> PendingWrites { get; } = [];

    /// <summary>The highest promise that was ever durable on this node (invariant 4).</summary>
    public Ballot MaxDurablePromise { get; private set; }

    /// <summary>(instance, ballot) pairs whose accept is durable here.</summary>
    public HashSet<(long, Ballot)> DurableAccepts { get; } = [];

    public InstanceCoordinator Coordinator { get; private set; } = null!;

    public Proposer Proposer { get; private set; } = null!;

    public Acceptor Acceptor { get; private set; } = null!;

    public Learner Learner { get; private set; } = null!;

    /// <summary>What the state machine executed in this life, in order.</summary>
    public List<byte[]> Executed { get; } = [];

    /// <summary>Client values waiting for the proposer.</summary>
    public Queue<byte[]> Waiting { get; } = new();

    /// <summary>The client value the proposer works on.</summary>
    public byte[]? Proposing { get; set; }

    public bool FlushScheduled { get; set; }

    public AcceptorState Recovered { get; private set; } = AcceptorState.Initial;

    public void Crash(Random random)
    {
        // A crash may still get any prefix of the pending writes onto the disk.
        var survive = random.Next(PendingWrites.Count + 1);
        foreach (var w in PendingWrites.Take(survive))
        {
            MakeDurable(w);
        }

        PendingWrites.Clear();
        Waiting.Clear();
        Proposing = null;
        Up = false;
        FlushScheduled = false;
    }

    public void Start()
    {
        Incarnation++;
        Up = true;
        Recovered = Core.Acceptor.Recover(Durable, Options.Bugs);
        Acceptor = new Acceptor(Id, Recovered, Options.Bugs);
        Learner = new Learner(Id, Options, Durable.OfType<InstanceChosen>());
        Coordinator = new InstanceCoordinator(Id, Members, Options, Recovered.Instance, Recovered.PreviousChecksum);
        Proposer = new Proposer(Id, Members, Options, new SeededRandom(unchecked((Seed * 1_000_003) + (Id.Value * 7919) + Incarnation)),
            Recovered.Instance, Recovered.PreviousChecksum, Recovered.Promised.ProposalId);
        Executed.Clear();
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
}
