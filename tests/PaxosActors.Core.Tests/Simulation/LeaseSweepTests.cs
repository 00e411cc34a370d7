using System.Diagnostics;
using Xunit.Abstractions;

namespace PaxosActors.Core.Tests.Simulation;

/// <summary>
/// Groups with a master, under the nemesis, with every node's clock drifting within the bound:
/// at most one node ever believes it holds the lease, and every lease read (no round, no write)
/// sees every instance chosen before it began. PAXOS_LEASE_SEEDS sets how many (default 2,000).
/// </summary>
public sealed class LeaseSweepTests(ITestOutputHelper output)
{
    [Fact]
    public void Lease_reads_see_everything_chosen_before_them_and_one_node_holds_the_lease()
    {
        var seeds = int.TryParse(Environment.GetEnvironmentVariable("PAXOS_LEASE_SEEDS"), out var n) ? n : 2_000;
        var clock = Stopwatch.StartNew();
        var failures = SeedSweep.RunLease(1, seeds);
        output.WriteLine($"{seeds} lease seeds in {clock.Elapsed.TotalSeconds:F1} s, {failures.Count} violations");
        foreach (var (seed, message) in failures.Take(10))
        {
            output.WriteLine($"seed {seed}: {message}");
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {seeds} lease seeds violated an invariant; first: {failures.FirstOrDefault().Message}");
    }

    [Fact]
    public void The_lease_seeds_elect_masters_refuse_other_proposers_and_serve_reads()
    {
        var sims = Enumerable.Range(1, 40).Select(seed => SeedSweep.BuildLease(seed)).ToList();
        Parallel.ForEach(sims, sim => sim.RunRandom());
        long Sum(string counter) => sims.Sum(s => s.Counters.GetValueOrDefault(counter));
        output.WriteLine($"reads served {sims.Sum(s => s.LeaseReads)}, refused {Sum("read.not_master")}, master changes {Sum("master.changed")}, drops {Sum("master.dropped")}, fenced {Sum("dropped.master_lease")}");
        Assert.True(sims.Sum(s => s.LeaseReads) > 2_000, "few lease reads were served");
        Assert.True(Sum("master.changed") > 100, "few master changes");
        Assert.True(Sum("dropped.master_lease") > 0, "no acceptor ever refused a proposer for the lease");
        Assert.True(Sum("master.dropped") > 0, "no master dropped its lease");
    }

    /// <summary>
    /// Each rule broken on purpose, and the sweep finds it. (A master counting its lease from
    /// when it learns its bid is caught by <see cref="Master.LeaseSafetyTests"/>, whose learners
    /// lag more than these.)
    /// </summary>
    [Theory]
    [InlineData("LeaseFenceOff", "lease read:")]
    [InlineData("LeaseReadIgnoresOwnAccept", "lease read:")]
    [InlineData("MasterIgnoresDrift", "master lease:")]
    public void Each_lease_rule_broken_on_purpose_is_caught(string name, string expected)
    {
        var failures = SeedSweep.RunLease(1, 400, Enum.Parse<DeliberateBugs>(name), stopAtFirst: true);
        output.WriteLine(failures.Count == 0 ? "not caught" : $"seed {failures[0].Seed}: {failures[0].Message}");
        Assert.NotEmpty(failures);
        Assert.Contains(expected, failures[0].Message);
    }
}
