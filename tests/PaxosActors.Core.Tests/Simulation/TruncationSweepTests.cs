namespace PaxosActors.Core.Tests.Simulation;

/// <summary>
/// The truncating seeds really cut their journals, and nodes that were down or cut off while
/// the others cut really come back by fetching a checkpoint (through a network that flips bits
/// in chunks), so the sweep's invariants hold across truncation and installation.
/// </summary>
public sealed class TruncationSweepTests
{
    [Fact]
    public void Truncating_seeds_cut_their_journals_and_lagging_nodes_fetch_checkpoints()
    {
        var seeds = Enumerable.Range(0, 800).Where(seed => seed % 4 < 2 && seed % 5 != 0).Select(seed => SeedSweep.RunOne(seed).Counters).ToList();
        Assert.True(seeds.Sum(c => c.GetValueOrDefault("log.truncated")) > 1000, "truncating seeds cut little");
        Assert.True(seeds.Count(c => c.GetValueOrDefault("transfer.installed") > 0) > 20, "few seeds installed a fetched checkpoint");
        Assert.True(seeds.Count(c => c.GetValueOrDefault("net.corrupted") > 0 && c.GetValueOrDefault("transfer.installed") > 0) > 3, "few installs went through corrupted chunks");
        Assert.True(seeds.Count(c => c.GetValueOrDefault("transfer.resumed_from_disk") > 0) > 3, $"few fetches went on from a partial file after a crash: {seeds.Count(c => c.GetValueOrDefault("transfer.resumed_from_disk") > 0)} seeds");
    }

    [Fact]
    public void Seeds_that_keep_everything_never_cut()
    {
        var counters = SeedSweep.RunOne(5).Counters;
        Assert.True(counters.GetValueOrDefault("checkpoint.taken") > 0);
        Assert.Equal(0, counters.GetValueOrDefault("log.truncated"));
        Assert.Equal(0, counters.GetValueOrDefault("transfer.installed"));
    }
}
