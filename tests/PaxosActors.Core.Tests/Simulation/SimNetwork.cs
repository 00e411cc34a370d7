namespace PaxosActors.Core.Tests.Simulation;

/// <summary>
/// The faults a run's network has right now: a set of cut links and the odds of losing or
/// duplicating a message. Delays are random per message, so messages also reorder.
/// </summary>
internal sealed class SimNetwork
{
    private readonly HashSet<(NodeId, NodeId)> _cut = [];

    public double DropRate { get; set; }

    public double DuplicateRate { get; set; }

    public int MaxDelayMs { get; set; } = 5;

    /// <summary>The odds that a checkpoint chunk arrives with a bit flipped (a property of the run: healing keeps it).</summary>
    public double CorruptRate { get; set; }

    public bool IsCut(NodeId a, NodeId b) => _cut.Contains((a, b));

    /// <summary>Cuts every link between the two sides, both ways.</summary>
    public void Partition(IEnumerable<NodeId> side, IEnumerable<NodeId> other)
    {
        foreach (var a in side)
        {
            foreach (var b in other.Where(b => b != a))
            {
                _cut.Add((a, b));
                _cut.Add((b, a));
            }
        }
    }

    public void HealAll()
    {
        _cut.Clear();
        DropRate = 0;
        DuplicateRate = 0;
    }

    public int CutLinks => _cut.Count;
}
