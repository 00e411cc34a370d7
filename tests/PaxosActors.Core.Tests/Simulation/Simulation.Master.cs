namespace PaxosActors.Core.Tests.Simulation;

/// <summary>
/// A group with a master: every node bids for the lease and renews it as MasterActor does, on
/// its own drifting clock; the coordinators fence their acceptors for the lease holder; and
/// clients read from the holder without a round. Checked after every step: at most one node
/// believes it holds the lease (in MasterActor's view or the coordinator's), and every lease read
/// sees every instance any node had learned before the read began.
/// </summary>
internal sealed partial class Simulation
{
    private readonly List<(SimNode Node, int Incarnation, long Index, long MustSee)> _reads = [];
    private long _bids;

    /// <summary>The group's master lease settings (null: no master).</summary>
    public MasterOptions? Master { get; }

    public int LeaseReads { get; private set; }

    private void ScheduleMasterTick(SimNode n) =>
        Schedule(Now + Random.Next(1, (int)Math.Max(2, Master!.LeaseMs / 10)), new MasterTick(n.Id, n.Incarnation));

    /// <summary>Like GroupActor after a start: the new client queue hears who holds the lease.</summary>
    private void TellMaster(SimNode n)
    {
        if (n.Coordinator.MasterHint() is { } hint)
        {
            Run(n, [hint]);
        }
    }

    private void OnMasterTick(SimNode n)
    {
        ScheduleMasterTick(n);
        if (!n.Coordinator.Members.Contains(n.Id))
        {
            return;
        }

        var now = n.Clock;
        if (_faults && n.Lease!.IsMaster(now) && Random.Next(40) == 0)
        {
            // DropMaster: GroupActor stops serving lease reads first, then MasterActor proposes the release.
            n.Coordinator.DropLease();
            Count("master.dropped");
            SubmitBid(n, n.Lease.Drop(now)!);
        }
        else if (n.Lease!.Bid(now) is { } bid)
        {
            SubmitBid(n, bid);
        }
    }

    private void SubmitBid(SimNode n, MasterCommand bid)
    {
        var payload = bid.Encode();
        var name = Name(new StoredCommand(n.Id, 1, 1, 1, StoredCommand.MasterMachine, 0, string.Empty, payload));
        if (!_callers.TryAdd(name, new Caller(n.Id)))
        {
            return;
        }

        _bids++;
        var (sequence, effects) = n.Queue.Submit(StoredCommand.MasterMachine, 0, string.Empty, payload, false, Now);
        n.Callers[sequence] = name;
        Run(n, effects);
    }

    /// <summary>The learner runs a bid: its master state, MasterActor's lease and the coordinator's fence all learn it.</summary>
    private void ApplyBid(SimNode n, long instance, StoredCommand command)
    {
        var bid = MasterCommand.Decode(command.Payload);
        n.MasterState = n.MasterState.Apply(instance, bid) ?? n.MasterState;
        if (n.Lease?.Learn(instance, bid, n.Clock) is not null)
        {
            Count("master.changed");
        }

        if (!n.Replaying)
        {
            Run(n, n.Coordinator.MasterLearned(instance, bid));
        }
    }

    /// <summary>A bid's proposal failed: MasterActor may bid again.</summary>
    private static void BidFailed(SimNode n, string command)
    {
        if (command.StartsWith("bid:", StringComparison.Ordinal))
        {
            n.Lease?.Answered();
        }
    }

    /// <summary>A client reads from the node that holds the lease, if one does (else from any node, which refuses).</summary>
    private void OnLeaseRead()
    {
        var holders = Nodes.Values.Where(n => n.Up && n.Coordinator.LeaseReadIndex() is not null).ToList();
        var n = holders.Count > 0 && Random.Next(4) > 0 ? holders[Random.Next(holders.Count)] : Nodes.Values.ElementAt(Random.Next(Nodes.Count));
        if (!n.Up || n.Coordinator.LeaseReadIndex() is not { } index)
        {
            Count("read.not_master");
            return;
        }

        // Every instance some node has learned was chosen before the read began.
        var mustSee = Math.Max(_chosen.Count, Nodes.Values.Where(m => m.Up).Max(m => m.Coordinator.Instance));
        Count("read.lease");
        _reads.Add((n, n.Incarnation, index, mustSee));
        ServeReads(n);
    }

    /// <summary>Like LearnerActor: a read runs as soon as the learner has executed up to its index.</summary>
    private void ServeReads(SimNode n)
    {
        for (var i = 0; i < _reads.Count; i++)
        {
            var (node, incarnation, index, mustSee) = _reads[i];
            if (node != n || incarnation != n.Incarnation || n.Executed.Count < index)
            {
                continue;
            }

            _reads.RemoveAt(i--);
            LeaseReads++;
            if (n.Executed.Count < mustSee)
            {
                Fail($"lease read: node {n.Id} read with {n.Executed.Count} instances executed (index {index}), but instance {mustSee - 1} was chosen before the read began");
            }
        }
    }

    /// <summary>At most one node believes it holds the lease, in MasterActor's view or in its coordinator's.</summary>
    private void CheckOneMaster()
    {
        SimNode? holder = null;
        foreach (var n in Nodes.Values)
        {
            if (!n.Up || !(n.Lease!.IsMaster(n.Clock) || n.Coordinator.HoldsLease))
            {
                continue;
            }

            if (holder is not null)
            {
                Fail($"master lease: nodes {holder.Id} (version {holder.MasterState.Version}) and {n.Id} (version {n.MasterState.Version}) both hold the lease");
            }

            holder = n;
        }
    }
}
