using PaxosActors.Cli.Bench;

namespace PaxosActors.Tests.Cli;

/// <summary>A bench node's GC figures over its window, as its DONE line carries them to `paxos bench`.</summary>
public sealed class GcFiguresTests
{
    [Fact]
    public void The_window_is_the_difference_and_survives_the_done_line()
    {
        var start = new GcFigures(10, 3, 1, 12.5);
        var window = new GcFigures(25, 7, 2, 40.25).Since(start);

        Assert.Equal(new GcFigures(15, 4, 1, 27.75), window);
        Assert.Equal(new GcFigures(15, 4, 1, 27.8), GcFigures.FromWire(window.ToWire().Split(' ')));
        Assert.Equal("15 collections (4 reached gen1, 1 gen2), 28 ms paused", window.ToString());
    }

    [Fact]
    public void Collections_while_measuring_are_counted()
    {
        var start = GcFigures.Now;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        var window = GcFigures.Now.Since(start);

        Assert.True(window.Gen2 >= 1 && window.Gen1 >= window.Gen2 && window.Gen0 >= window.Gen1, window.ToString());
    }
}
