using Xunit.Abstractions;

namespace PaxosActors.Core.Tests.Simulation;

/// <summary>
/// A node that takes checkpoints faster than a lagging peer can fetch one (a checkpoint every
/// instance, 64-byte chunks one at a time, steady load) keeps the file being fetched until the
/// fetch is done: the peer gets it and catches up. With the file pruned like any other
/// (<see cref="DeliberateBugs.TransferUnpinned"/>), every fetch is cut off and begins again.
/// </summary>
public sealed class TransferPinTests(ITestOutputHelper output)
{
    [Fact]
    public void A_checkpoint_being_fetched_stays_until_the_fetch_is_done()
    {
        var sim = Run(DeliberateBugs.None);
        output.WriteLine(Describe(sim));
        Assert.True(sim.Counters.GetValueOrDefault("transfer.installed") > 0, Describe(sim));
        Assert.True(sim.Nodes[new NodeId(1)].Learner.NextInstance - sim.Nodes[new NodeId(3)].Learner.NextInstance < 30, Describe(sim));
    }

    [Fact]
    public void Without_the_pin_the_fetch_never_ends()
    {
        var sim = Run(DeliberateBugs.TransferUnpinned);
        output.WriteLine(Describe(sim));
        Assert.True(sim.Counters.GetValueOrDefault("transfer.installed") == 0, Describe(sim));
        Assert.True(sim.Counters.GetValueOrDefault("transfer.offered") > 10, "the node keeps asking: " + Describe(sim));
    }

    private static string Describe(Simulation sim) =>
        string.Join(", ", sim.Counters.Where(c => c.Key.StartsWith("transfer", StringComparison.Ordinal) || c.Key.StartsWith("checkpoint", StringComparison.Ordinal)).Select(c => $"{c.Key}={c.Value}"))
        + "; next instances " + string.Join(", ", sim.Nodes.Values.Select(n => $"{n.Id}@{n.Learner.NextInstance}"));

    private static Simulation Run(DeliberateBugs bugs)
    {
        var sim = new Simulation(3, seed: 4, new ProtocolOptions
        {
            PrepareTimeout = TimeSpan.FromMilliseconds(50),
            AcceptTimeout = TimeSpan.FromMilliseconds(50),
            MaxRoundTimeout = TimeSpan.FromMilliseconds(400),
            CheckpointEvery = 1,
            KeepInstances = 0,
            LogMarkEvery = 1,
            TruncateStepInstances = 1,
            TruncateInterval = TimeSpan.Zero,
            TransferChunkBytes = 64,
            TransferWindow = 1,
            TransferPin = TimeSpan.FromSeconds(9),
            Bugs = bugs,
        });
        var lagging = new NodeId(3);
        sim.Crash(lagging);

        // Steady load on node 1: a command every 20 ms for 30 s, node 3 back after 3 s.
        for (var k = 0; k < 1500; k++)
        {
            sim.Schedule(k * 20, new ClientRequest(new NodeId(1), $"c{k}", false));
        }

        sim.RunUntil(3000);
        sim.Restart(lagging);
        sim.RunUntil(30_000);
        return sim;
    }
}
