namespace PaxosActors.Core.Tests.Simulation;

/// <summary>A seeded random run: clients and a nemesis for a while, then calm and liveness.</summary>
internal sealed partial class Simulation
{
    private bool _faults;

    /// <summary>
    /// Clients on every node submit commands (some with BatchPropose's linger) while the nemesis
    /// partitions, heals, crashes and restarts nodes, restarts proposers (new sessions) and
    /// acceptors alone (storage outages), reports dropped connections, drops and duplicates for
    /// <paramref name="faultMs"/>; then all faults stop, every node is up, and fresh commands
    /// must all run and every node learn everything. Every caller must have had its answer.
    /// </summary>
    public void RunRandom(long faultMs = 3000, int proposals = 30, long calmDeadlineMs = 30_000)
    {
        Network.MaxDelayMs = Random.Next(1, 20);
        var ids = Nodes.Keys.ToArray();
        for (var k = 0; k < proposals; k++)
        {
            var node = ids[Random.Next(ids.Length)];
            Schedule(Random.NextInt64(0, faultMs), new ClientRequest(node, $"s{Seed}-{node}-{k}", Random.Next(4) == 0));
        }

        if (Master is not null)
        {
            for (var k = 0; k < 300; k++)
            {
                Schedule(Random.NextInt64(0, faultMs), new LeaseReadRequest());
            }
        }

        _faults = true;
        Schedule(Random.Next(0, 200), new NemesisStep());
        RunUntil(faultMs);

        _faults = false;
        Network.HealAll();
        foreach (var id in ids)
        {
            Restart(id);
        }

        // Calm: a command that still fails (its caller's deadline fell in the recovery) is tried
        // again as a new command, as a client would.
        var calm = Enumerable.Range(0, 3).Select(k => $"s{Seed}-calm-{k}").ToList();
        for (var k = 0; k < calm.Count; k++)
        {
            Schedule(Now + 1 + (k * 100), new ClientRequest(Pick(Voters()), calm[k], false));
        }

        var deadline = Now + calmDeadlineMs;
        while (Now < deadline)
        {
            RunUntil(Now + 100);
            for (var k = 0; k < calm.Count; k++)
            {
                if (OutcomeOf(calm[k]) is Failed)
                {
                    calm[k] += "+";
                    Schedule(Now + 1, new ClientRequest(Pick(Voters()), calm[k], false));
                }
            }

            if (calm.All(c => OutcomeOf(c) is Core.Ran) && InGroup().All(n => n.Learner.NextInstance == _chosen.Count && n.Queue.Pending == 0 && !n.Proposer.IsBusy)
                && (!Reconfigures || _callers.Values.All(c => c.Outcome is not null || c.Died)))
            {
                CheckLogs();
                CheckAcknowledged();
                CheckEveryCallerAnswered();
                return;
            }
        }

        CheckLogs();
        var where = string.Join(", ", Nodes.Values.Select(n => $"{n.Id}@{n.Learner.NextInstance} busy={n.Proposer.IsBusy} pending={n.Queue.Pending}"));
        var unanswered = string.Join(",", _callers.Where(c => c.Value.Outcome is null && !c.Value.Died).Select(c => $"{c.Key}@{c.Value.Node}"));
        Fail($"liveness: no progress within {calmDeadlineMs} ms after faults stopped; chosen={_chosen.Count}; calm={string.Join(",", calm.Select(c => $"{c}:{OutcomeOf(c)?.GetType().Name}"))}; {where}; unanswered: [{unanswered}]; members {Latest()}");
    }

    private void Nemesis()
    {
        if (!_faults)
        {
            return;
        }

        var ids = Nodes.Keys.ToArray();
        var node = ids[Random.Next(ids.Length)];
        if (Master is not null && Random.Next(6) == 0 && Nodes.Values.FirstOrDefault(n => n.Up && n.Coordinator.HoldsLease) is { } holder)
        {
            // Cut the master off alone: the rest take over once its lease has run out everywhere.
            Network.Partition([holder.Id], ids.Where(id => id != holder.Id));
            Count("fault.master_isolated");
            Schedule(Now + Random.Next(20, 400), new NemesisStep());
            return;
        }

        if (Random.Next(10) == 0)
        {
            // A read that waited too long asks its node to close the open instance with a fence.
            if (Nodes[node].Up)
            {
                Count("fault.nudge");
                Run(Nodes[node], Nodes[node].Queue.Nudge(Now));
            }

            Schedule(Now + Random.Next(20, 400), new NemesisStep());
            return;
        }

        switch (Random.Next(Reconfigures ? 13 : 10))
        {
            case >= 10:
                ChangeMembership();
                break;
            case 0:
                var side = ids.Where(_ => Random.Next(2) == 0).ToArray();
                Network.Partition(side, ids.Except(side));
                Count("fault.partition");
                break;
            case 1:
                Network.HealAll();
                Count("fault.heal");
                break;
            case 2:
                Crash(node);
                break;
            case 3:
            case 4:
                Restart(node);
                break;
            case 5:
                Network.DropRate = Random.NextDouble() * 0.3;
                Count("fault.drop");
                break;
            case 6:
                Network.DuplicateRate = Random.NextDouble() * 0.3;
                Count("fault.duplicate");
                break;
            case 7:
                RestartProposer(node);
                break;
            case 8:
                RestartAcceptor(node);
                break;
            case 9:
                // A node's connection to another drops (Akka.Remote's DisassociatedEvent).
                var other = ids[Random.Next(ids.Length)];
                if (Nodes[node].Up && other != node)
                {
                    Count("fault.peer_down");
                    Run(Nodes[node], Nodes[node].Queue.PeerDown(other, Now));
                }

                break;
        }

        Schedule(Now + Random.Next(20, 400), new NemesisStep());
    }

    /// <summary>The newest membership any node has applied.</summary>
    public SystemState Latest() => Nodes.Values.Select(n => n.System).MaxBy(s => s.Version)!;

    /// <summary>The nodes of the newest membership, voting or learning: those that must learn everything.</summary>
    private IEnumerable<SimNode> InGroup() => Nodes.Values.Where(n => Latest().Nodes.ContainsKey(n.Id));

    private NodeId[] Voters() => Latest().Voters.ToArray();

    private NodeId Pick(NodeId[] from) => from[Random.Next(from.Length)];

    /// <summary>
    /// A client asks a voter for a change: a node outside joins as a learner, a learner is
    /// promoted or takes a voter's place, a node leaves (at least two voters stay). Half of the
    /// changes are compare-and-set on the version last seen, which may be stale by then.
    /// </summary>
    private void ChangeMembership()
    {
        var state = Latest();
        var voters = Voters();
        var learners = state.Learners.ToArray();
        var outside = Nodes.Keys.Where(id => !state.Nodes.ContainsKey(id)).ToArray();
        long? expected = Random.Next(2) == 0 ? state.Version : null;
        MemberChange? change = Random.Next(5) switch
        {
            0 or 1 when outside.Length > 0 => new JoinAsLearner(Pick(outside), $"sim://{Random.Next(1000)}", expected),
            2 when learners.Length > 0 => new Promote(Pick(learners), expected),
            3 when learners.Length > 0 => new ReplaceVoter(Pick(voters), Pick(learners), expected),
            4 when voters.Length > 2 => new RemoveNode(Pick(voters), expected),
            4 when learners.Length > 0 => new RemoveNode(Pick(learners), expected),
            _ => null,
        };
        if (change is not null)
        {
            ProposeChange(Pick(voters), change);
        }
    }
}
