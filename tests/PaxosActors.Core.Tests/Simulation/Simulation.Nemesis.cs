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
            Schedule(Now + 1 + (k * 100), new ClientRequest(ids[Random.Next(ids.Length)], calm[k], false));
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
                    Schedule(Now + 1, new ClientRequest(ids[Random.Next(ids.Length)], calm[k], false));
                }
            }

            if (calm.All(c => OutcomeOf(c) is Core.Ran) && Nodes.Values.All(n => n.Learner.NextInstance == _chosen.Count && n.Queue.Pending == 0 && !n.Proposer.IsBusy))
            {
                CheckLogs();
                CheckAcknowledged();
                CheckEveryCallerAnswered();
                return;
            }
        }

        CheckLogs();
        var where = string.Join(", ", Nodes.Values.Select(n => $"{n.Id}@{n.Learner.NextInstance} busy={n.Proposer.IsBusy} pending={n.Queue.Pending}"));
        Fail($"liveness: no progress within {calmDeadlineMs} ms after faults stopped; chosen={_chosen.Count}; calm={string.Join(",", calm.Select(c => $"{c}:{OutcomeOf(c)?.GetType().Name}"))}; {where}");
    }

    private void Nemesis()
    {
        if (!_faults)
        {
            return;
        }

        var ids = Nodes.Keys.ToArray();
        var node = ids[Random.Next(ids.Length)];
        switch (Random.Next(10))
        {
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
}
