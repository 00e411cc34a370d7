namespace PaxosActors.Core.Tests.Simulation;

/// <summary>The small-window seeds really exercise catch-up served from disk.</summary>
public sealed class DiskServeTests
{
    [Fact]
    public void Seeds_with_a_small_window_do_serve_from_disk()
    {
        var served = Enumerable.Range(0, 200).Select(i => i * 3).Sum(seed => SeedSweep.RunOne(seed).Counters.GetValueOrDefault("served_from_disk"));
        Assert.True(served > 0, "no catch-up was served from disk in 200 small-window seeds");
    }
}
