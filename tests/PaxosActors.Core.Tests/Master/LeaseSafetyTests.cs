using Xunit.Abstractions;

namespace PaxosActors.Core.Tests.Master;

/// <summary>
/// Lease safety under drifting clocks: over many seeds no two nodes ever hold the lease at the
/// same moment, and a master holds it most of the time; with either deliberate bug (the master
/// ignoring drift, or counting its lease from when it learns it) the same seeds find two holders.
/// </summary>
public sealed class LeaseSafetyTests(ITestOutputHelper output)
{
    private const int Seeds = 200;

    [Fact]
    public void No_two_nodes_ever_hold_the_lease_at_once_and_there_is_mostly_a_master()
    {
        var runs = Enumerable.Range(0, Seeds).AsParallel().Select(seed => new LeaseSimulation(seed).Run()).ToList();
        Assert.All(runs, r => Assert.Null(r.Violation));
        var share = runs.Sum(r => r.MasteredMs) / (double)(Seeds * 60_000L);
        output.WriteLine($"{Seeds} seeds x 60 s: a master {share:P1} of the time; {runs.Sum(r => r.Changes)} bids applied (as node 1 learned them)");
        Assert.True(share > 0.6, $"a master only {share:P1} of the time");
        Assert.True(runs.Sum(r => r.Changes) > Seeds * 10);
    }

    [Theory]
    [InlineData((int)DeliberateBugs.MasterIgnoresDrift)]
    [InlineData((int)DeliberateBugs.MasterLeaseFromLearn)]
    public void A_lease_rule_broken_on_purpose_lets_two_nodes_hold_the_lease(int broken)
    {
        var bug = (DeliberateBugs)broken;
        var caught = Enumerable.Range(0, Seeds).AsParallel().Select(seed => new LeaseSimulation(seed, bug).Run()).Where(r => r.Violation is not null).ToList();
        output.WriteLine($"{bug}: {caught.Count} of {Seeds} seeds found two holders; first: {caught.Select(c => c.Violation).FirstOrDefault()}");
        Assert.NotEmpty(caught);
    }
}
