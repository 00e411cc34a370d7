using PaxosActors.TestKit;

namespace PaxosActors.Tests.Chaos;

/// <summary>
/// Breaks the cluster at random while the workload runs: partitions, isolation, healing,
/// crashes and restarts (a majority stays up so the workload can progress), and lossy,
/// duplicating, slow links. Counts what it did, by kind.
/// </summary>
internal sealed class Nemesis(PaxosTestCluster cluster, int seed)
{
    public Dictionary<string, int> Injected { get; } = [];

    public async Task RunAsync(TimeSpan duration, CancellationToken stop)
    {
        var random = new Random(seed);
        var nodes = cluster.Nodes;
        var majority = nodes.Count / 2 + 1;
        var until = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < until && !stop.IsCancellationRequested)
        {
            await Task.Delay(random.Next(150, 600), CancellationToken.None);
            switch (random.Next(8))
            {
                case 0:
                    var side = nodes.Where(_ => random.Next(2) == 0).ToList();
                    cluster.Partition(side, nodes.Except(side));
                    Count("partition");
                    break;
                case 1:
                    cluster.Isolate(nodes[random.Next(nodes.Count)]);
                    Count("isolate");
                    break;
                case 2:
                case 3:
                    cluster.Heal();
                    Count("heal");
                    break;
                case 4 when cluster.Running.Count > majority:
                    await cluster.CrashAsync(cluster.Running[random.Next(cluster.Running.Count)]);
                    Count("crash");
                    break;
                case 5:
                    var down = nodes.Except(cluster.Running).ToList();
                    if (down.Count > 0)
                    {
                        await cluster.RestartAsync(down[random.Next(down.Count)]);
                        Count("restart");
                    }

                    break;
                case 6:
                    var (from, to) = (nodes[random.Next(nodes.Count)], nodes[random.Next(nodes.Count)]);
                    cluster.SetLink(from, to, new LinkRule(DropProbability: random.NextDouble() * 0.3, DuplicateProbability: random.NextDouble() * 0.2));
                    Count("lossy-link");
                    break;
                case 7:
                    var (a, b) = (nodes[random.Next(nodes.Count)], nodes[random.Next(nodes.Count)]);
                    cluster.SetLink(a, b, new LinkRule(MinDelay: TimeSpan.FromMilliseconds(1), MaxDelay: TimeSpan.FromMilliseconds(random.Next(2, 60))));
                    Count("slow-link");
                    break;
            }
        }

        cluster.Heal();
        foreach (var node in nodes.Except(cluster.Running).ToList())
        {
            await cluster.RestartAsync(node);
            Count("restart");
        }
    }

    private void Count(string kind) => Injected[kind] = Injected.GetValueOrDefault(kind) + 1;
}
