using Akka.Actor;
using PaxosActors.Core;
using PaxosActors.Hosting;

namespace PaxosActors.TestKit;

/// <summary>
/// Faults on the links between a group's nodes, for tests: cut links (partitions), and per link
/// the odds of dropping or duplicating a message and a random delay. Attach one instance to
/// every node's ActorSystem; Paxos messages then still travel over Akka.Remote, but each is
/// first decided here. Without an attached instance the send path has no extra step.
/// </summary>
public sealed class LinkFaults(int seed) : ILinkFaults
{
    private readonly Random _random = new(seed);
    private readonly HashSet<(int, int)> _cut = [];
    private readonly Dictionary<(int, int), LinkRule> _rules = [];

    /// <summary>Makes <paramref name="system"/>'s groups send through these faults.</summary>
    public static void Attach(ActorSystem system, LinkFaults faults) => LinkFaultsRegistry.Attach(system, faults);

    /// <summary>Messages lost on cut links and by drop rules so far.</summary>
    public long Dropped { get; private set; }

    /// <summary>Cuts every link between the two sets of nodes, both ways.</summary>
    public void Partition(IEnumerable<int> side, IEnumerable<int> other)
    {
        var b = other.ToList();
        lock (_cut)
        {
            foreach (var x in side)
            {
                foreach (var y in b.Where(y => y != x))
                {
                    _cut.Add((x, y));
                    _cut.Add((y, x));
                }
            }
        }
    }

    /// <summary>Restores every link and removes every drop, duplicate and delay rule.</summary>
    public void Heal()
    {
        lock (_cut)
        {
            _cut.Clear();
            _rules.Clear();
        }
    }

    /// <summary>Sets what happens to messages from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public void SetLink(int from, int to, LinkRule rule)
    {
        lock (_cut)
        {
            _rules[(from, to)] = rule;
        }
    }

    /// <summary>How many copies of a message to send on the link, each with its delay (none: dropped).</summary>
    IReadOnlyList<TimeSpan> ILinkFaults.Decide(NodeId from, NodeId to)
    {
        lock (_cut)
        {
            if (_cut.Contains((from.Value, to.Value)))
            {
                Dropped++;
                return [];
            }

            if (!_rules.TryGetValue((from.Value, to.Value), out var rule))
            {
                return [TimeSpan.Zero];
            }

            if (_random.NextDouble() < rule.DropProbability)
            {
                Dropped++;
                return [];
            }

            var copies = _random.NextDouble() < rule.DuplicateProbability ? 2 : 1;
            return Enumerable.Range(0, copies).Select(_ => rule.MinDelay + ((rule.MaxDelay - rule.MinDelay) * _random.NextDouble())).ToList();
        }
    }
}

/// <summary>What a link does to each message: drop it, send it twice, delay it by a random time in [min, max].</summary>
public sealed record LinkRule(double DropProbability = 0, double DuplicateProbability = 0, TimeSpan MinDelay = default, TimeSpan MaxDelay = default);
