namespace PaxosActors.Core.Tests.Simulation;

/// <summary>
/// The checkpoint seeds really take checkpoints and really restart from them, so the sweep's
/// invariants (equal state at equal instances, exactly-once) are checked across that boundary.
/// </summary>
public sealed class CheckpointSweepTests
{
    [Fact]
    public void Seeds_with_checkpoints_take_them_and_restart_from_them()
    {
        var seeds = Enumerable.Range(0, 400).Where(seed => seed % 4 < 2).Select(seed => SeedSweep.RunOne(seed).Counters).ToList();
        Assert.True(seeds.Sum(c => c.GetValueOrDefault("checkpoint.taken")) > 1000, "checkpoint seeds took few checkpoints");
        Assert.True(seeds.Count(c => c.GetValueOrDefault("checkpoint.loaded") > 0) > 20, "few seeds restarted from a checkpoint");
    }

    [Fact]
    public void Seeds_without_checkpoints_take_none()
    {
        var counters = SeedSweep.RunOne(2).Counters;
        Assert.Equal(0, counters.GetValueOrDefault("checkpoint.taken"));
        Assert.Equal(0, counters.GetValueOrDefault("checkpoint.loaded"));
    }
}
