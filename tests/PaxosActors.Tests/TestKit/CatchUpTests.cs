using System.Diagnostics;
using PaxosActors.TestKit;
using Xunit.Abstractions;

namespace PaxosActors.Tests.TestKit;

/// <summary>
/// A node that was down while others chose many instances catches up by itself, with no new
/// proposals, batch by batch. PAXOS_CATCHUP_INSTANCES sets how many it misses (default 1,000).
/// </summary>
public sealed class CatchUpTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(100_000)]
    [InlineData(300)]
    public async Task A_restarted_node_learns_every_instance_it_missed_without_new_proposals(int catchUpRate)
    {
        var missed = int.TryParse(Environment.GetEnvironmentVariable("PAXOS_CATCHUP_INSTANCES"), out var n) ? n : 1000;
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (_, _) => [new RecordingStateMachine()],
            ExtraConfig = $"akka.loglevel = ERROR\nakka.remote.log-remote-lifecycle-events = off\npaxos-actors.learn-interval = 1s\npaxos-actors.catch-up-rate = {catchUpRate}",
        });

        await cluster.CrashAsync(3);
        for (var i = 0; i < missed; i++)
        {
            Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, $"v{i}", TimeSpan.FromSeconds(10)));
        }

        var clock = Stopwatch.StartNew();
        await cluster.RestartAsync(3);
        var statuses = await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(120), atLeast: missed);
        output.WriteLine($"node 3 caught up on {missed} instances in {clock.Elapsed.TotalMilliseconds:F0} ms (restart included), serving at most {catchUpRate}/s per node");
        Assert.All(statuses, s => Assert.Equal(missed, s.Executed));
        Assert.Equal(cluster.StateMachine<RecordingStateMachine>(1).Log, cluster.StateMachine<RecordingStateMachine>(3).Log);
    }
}

/// <summary>Instances older than a member's memory window are read back from its SQLite journal.</summary>
public sealed class CatchUpFromJournalTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_node_far_behind_is_served_from_the_journal_beyond_the_memory_window()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (_, _) => [new RecordingStateMachine()],
            ExtraConfig = "akka.loglevel = ERROR\npaxos-actors.learn-interval = 1s\npaxos-actors.catch-up-batch = 50\npaxos-actors.log-memory-window = 100",
        });
        using var counters = CounterProbe.For(cluster, "paxos.acceptor.read_back", "paxos.learner.serve_from_storage");

        await cluster.CrashAsync(3);
        for (var i = 0; i < 600; i++)
        {
            Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, $"v{i}", TimeSpan.FromSeconds(10)));
        }

        await cluster.RestartAsync(3);
        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(60), atLeast: 600);
        Assert.Equal(cluster.StateMachine<RecordingStateMachine>(1).Log, cluster.StateMachine<RecordingStateMachine>(3).Log);
        var read = counters.Snapshot();
        output.WriteLine(string.Join(", ", read.Select(c => $"{c.Key}={c.Value}")));
        Assert.True(read["paxos.acceptor.read_back"] > 0, "nothing was read back from a journal");
    }
}
