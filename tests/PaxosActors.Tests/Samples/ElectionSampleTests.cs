using PaxosActors.Election;

namespace PaxosActors.Tests.Samples;

/// <summary>The election sample: the ledger's fence on its own, and the whole demo over Akka.Remote and SQLite.</summary>
public sealed class ElectionSampleTests
{
    [Fact]
    public void The_ledger_runs_only_the_current_masters_next_job_from_any_version_of_its_term()
    {
        var ledger = new JobLedger();
        Assert.IsType<JobRefused>(ledger.Execute(0, new RunJob(1, 1, 1)));

        ledger.MasterChanged(1, 5, 4);
        Assert.IsType<JobDone>(ledger.Execute(5, new RunJob(1, 5, 1)));
        ledger.MasterChanged(1, 9, 8);
        Assert.IsType<JobDone>(ledger.Execute(9, new RunJob(1, 5, 2)));
        Assert.Equal("job 2 is not the next one", Assert.IsType<JobRefused>(ledger.Execute(10, new RunJob(1, 9, 2))).Reason);

        ledger.MasterChanged(2, 12, 11);
        var late = Assert.IsType<JobRefused>(ledger.Execute(12, new RunJob(1, 9, 3)));
        Assert.Equal(3, late.NextJob);
        Assert.IsType<JobRefused>(ledger.Execute(13, new RunJob(2, 11, 3)));
        Assert.StartsWith("node 1 is not the master", Assert.IsType<JobRefused>(ledger.Execute(13, new RunJob(1, 12, 3))).Reason, StringComparison.Ordinal);
        Assert.IsType<JobDone>(ledger.Execute(14, new RunJob(2, 12, 3)));

        // Node 1 again, in a new term: its jobs from the old term stay refused.
        ledger.MasterChanged(1, 20, 19);
        Assert.IsType<JobRefused>(ledger.Execute(20, new RunJob(1, 9, 4)));
        Assert.Equal(new LedgerView(4, 2, 1, 20), ledger.Read(LedgerQuery.Instance));
        Assert.Equal([1L, 2, 3], ledger.Done.Select(d => d.Job));
    }

    [Fact]
    public async Task The_demo_fails_over_and_every_job_runs_once_in_order_and_a_late_one_is_refused()
    {
        var output = new StringWriter();
        var report = await ElectionDemo.RunAsync(Path.Combine(Path.GetTempPath(), $"election-{Guid.NewGuid():N}"), jobsPerTerm: 20, TimeSpan.FromSeconds(2), output);
        Assert.True(report.Sound, output.ToString());
        Assert.NotEqual(report.FirstMaster, report.SecondMaster);
        Assert.IsType<JobRefused>(report.LateJob);
        Assert.True(report.Jobs.Count >= 40, output.ToString());
    }
}
