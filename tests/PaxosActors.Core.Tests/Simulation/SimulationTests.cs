using System.Diagnostics;
using Xunit.Abstractions;

namespace PaxosActors.Core.Tests.Simulation;

/// <summary>
/// Thousands of seeded runs with drops, duplicates, reordering, partitions and crash-restarts;
/// every invariant of DESIGN.md is checked after every step. PAXOS_SIM_SEEDS sets how many
/// (default 10,000); PAXOS_SIM_SEED replays one.
/// </summary>
public sealed class SimulationTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_seed_keeps_every_invariant_and_makes_progress_after_faults()
    {
        var seeds = int.TryParse(Environment.GetEnvironmentVariable("PAXOS_SIM_SEEDS"), out var n) ? n : 10_000;
        var clock = Stopwatch.StartNew();
        var failures = SeedSweep.Run(1, seeds);
        output.WriteLine($"{seeds} seeds in {clock.Elapsed.TotalSeconds:F1} s, {failures.Count} violations");
        foreach (var (seed, message) in failures.Take(10))
        {
            output.WriteLine($"seed {seed}: {message}");
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {seeds} seeds violated an invariant; first: {failures.FirstOrDefault().Message}");
    }

    [Fact]
    public void A_seed_replays_exactly()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("PAXOS_SIM_SEED"), out var s) ? s : 42;
        var first = SeedSweep.RunOne(seed);
        var second = SeedSweep.RunOne(seed);
        Assert.Equal(first.Chosen, second.Chosen);
        Assert.Equal(first.Counters, second.Counters);
        Assert.Equal(first.Now, second.Now);
        output.WriteLine($"seed {seed}: {first.Chosen.Count} instances, " + string.Join(", ", first.Counters.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}")));
    }
}
