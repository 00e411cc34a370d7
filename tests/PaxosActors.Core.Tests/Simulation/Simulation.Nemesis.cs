namespace PaxosActors.Core.Tests.Simulation;

/// <summary>A seeded random run: clients and a nemesis for a while, then calm and liveness.</summary>
internal sealed partial class Simulation
{
    private bool _faults;

    /// <summary>
    /// Clients propose from every node while the nemesis partitions, heals, crashes, restarts,
    /// drops and duplicates for <paramref name="faultMs"/>; then all faults stop, every node is
    /// up, and fresh proposals must all be chosen and learned everywhere.
    /// </summary>
    public void RunRandom(long faultMs = 3000, int proposals = 30, long calmDeadlineMs = 30_000)
    {
        Network.MaxDelayMs = Random.Next(1, 20);
        var ids = Nodes.Keys.ToArray();
        for (var k = 0; k < proposals; k++)
        {
            var node = ids[Random.Next(ids.Length)];
            Schedule(Random.NextInt64(0, faultMs), new ClientRequest(node, System.Text.Encoding.UTF8.GetBytes($"s{Seed}-{node}-{k}")));
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

        var calm = new List<string>();
        for (var k = 0; k < 3; k++)
        {
            var value = $"s{Seed}-calm-{k}";
            calm.Add(value);
            Schedule(Now + 1 + k * 100, new ClientRequest(ids[Random.Next(ids.Length)], System.Text.Encoding.UTF8.GetBytes(value)));
        }

        var deadline = Now + calmDeadlineMs;
        while (Now < deadline)
        {
            RunUntil(Now + 100);
            if (calm.All(IsChosen) && Nodes.Values.All(n => n.Learner.NextInstance == _chosen.Count && !n.Proposer.IsBusy && n.Waiting.Count == 0))
            {
                CheckLogs();
                CheckAcknowledged();
                return;
            }
        }

        CheckLogs();
        var where = string.Join(", ", Nodes.Values.Select(n => $"{n.Id}@{n.Learner.NextInstance} busy={n.Proposer.IsBusy}"));
        Fail($"liveness: no progress within {calmDeadlineMs} ms after faults stopped; chosen={_chosen.Count}; {where}");
    }

    private void Nemesis()
    {
        if (!_faults)
        {
            return;
        }

        var ids = Nodes.Keys.ToArray();
        switch (Random.Next(7))
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
                Crash(ids[Random.Next(ids.Length)]);
                break;
            case 3:
            case 4:
                Restart(ids[Random.Next(ids.Length)]);
                break;
            case 5:
                Network.DropRate = Random.NextDouble() * 0.3;
                Count("fault.drop");
                break;
            case 6:
                Network.DuplicateRate = Random.NextDouble() * 0.2;
                Count("fault.duplicate");
                break;
        }

        Schedule(Now + Random.Next(20, 400), new NemesisStep());
    }
}
