namespace PaxosActors.Core.Tests.Simulation;

/// <summary>
/// The membership seeds really change the membership while the nemesis runs, and the sweep's
/// invariants (agreement, exactly-once, equal state and equal membership at equal instances)
/// hold across every change.
/// </summary>
public sealed class MembershipSweepTests
{
    [Fact]
    public void Seeds_with_membership_changes_apply_them()
    {
        var seeds = Enumerable.Range(0, 600).Where(seed => seed % 6 == 5).Select(seed => SeedSweep.Build(seed)).ToList();
        Parallel.ForEach(seeds, sim => sim.RunRandom());
        Assert.True(seeds.Sum(s => s.Counters.GetValueOrDefault("membership.applied")) > 300, "membership seeds applied few changes");
        Assert.True(seeds.Count(s => s.Latest().Version >= 3) > 20, $"few seeds went through three or more changes: {seeds.Count(s => s.Latest().Version >= 3)}; versions {string.Join(",", seeds.Select(s => s.Latest().Version))}; applied {seeds.Sum(s => s.Counters.GetValueOrDefault("membership.applied"))}");
        Assert.Contains(seeds, s => s.Latest().Nodes.Keys.Any(id => id.Value > 3) && s.Latest().Voters.Any(id => id.Value > 3));
    }
}
