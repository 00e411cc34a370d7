using Akka.Actor;
using PaxosActors.TestKit;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Integration;

/// <summary>Three nodes over real Akka.Remote on 127.0.0.1, each with its own SQLite file: over plain TCP, and over mutual TLS.</summary>
public sealed class ThreeNodeTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_thousand_concurrent_proposals_from_all_nodes_all_get_an_answer_and_every_node_runs_the_same_log(bool tls)
    {
        await using var cluster = await StartAsync(tls);

        var asks = Enumerable.Range(0, 1000).Select(i =>
        {
            var node = (i % 3) + 1;
            return cluster.Group(node).Ask<object>(new Propose($"v{i}"), TimeSpan.FromSeconds(60));
        }).ToList();
        var replies = await Task.WhenAll(asks);

        var ok = replies.OfType<ProposeResult>().ToList();
        var failed = replies.OfType<ProposeFailed>().ToList();
        output.WriteLine($"{ok.Count} succeeded, {failed.Count} failed: " + string.Join(", ", failed.GroupBy(f => f.Reason).Select(g => $"{g.Key}={g.Count()}")));
        Assert.Equal(1000, ok.Count + failed.Count);
        Assert.All(failed, f => Assert.Contains(f.Reason, new[] { ProposeFailureReason.Conflict, ProposeFailureReason.Timeout }));
        Assert.True(ok.Count > 900, $"only {ok.Count} of 1000 succeeded");

        var statuses = await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(60), atLeast: ok.Select(r => r.InstanceId).Max() + 1);
        var logs = cluster.Nodes.Select(id => cluster.StateMachine<RecordingStateMachine>(id).Log).ToList();
        Assert.All(logs, log => Assert.Equal(logs[0], log));
        var executed = logs[0].Select(e => e.Command).ToList();
        Assert.Equal(executed.Count, executed.Distinct().Count());
        Assert.All(ok, r => Assert.StartsWith("ran v", (string)r.Result!));
        Assert.All(replies.Select((r, i) => (r, i)).Where(x => x.r is ProposeResult), x => Assert.Contains($"v{x.i}", executed));
        Assert.All(failed.Where(f => !f.OutcomeUnknown), _ => { });
        output.WriteLine($"{executed.Count} commands in {statuses[0].Executed} instances, checksum {statuses[0].LastChecksum:x16}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_node_restarted_from_its_sqlite_file_keeps_its_log_and_rejoins(bool tls)
    {
        await using var cluster = await StartAsync(tls);
        for (var i = 0; i < 20; i++)
        {
            Assert.IsType<ProposeResult>(await cluster.Group(1 + (i % 3)).Ask<object>(new Propose($"a{i}"), TimeSpan.FromSeconds(20)));
        }

        var before = await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(30), atLeast: 20);
        await ChosenRecordAsync(Path.Combine(cluster.DataDirectory, "node3.db"));
        await cluster.CrashAsync(3);
        for (var i = 0; i < 20; i++)
        {
            var reply = await ProposeOrExplainAsync(cluster, 1 + (i % 2), $"b{i}");
            Assert.True(reply is ProposeResult, $"b{i} through node {1 + (i % 2)}: {reply} ({Systems(cluster)})");
        }

        // A restart returns once the group recovered, so the state machine shows what came back from the file.
        await cluster.RestartAsync(3);
        // A crash can lose the last chosen records still on their way to disk (the learner runs an
        // instance without waiting for its record; the node learns those again from its peers),
        // but what came back from the file is a prefix of the group's log.
        var replayed = cluster.StateMachine<RecordingStateMachine>(3).Log.ToList();
        output.WriteLine($"node 3 replayed {replayed.Count} of {before[0].Executed} from SQLite");
        Assert.NotEmpty(replayed);
        Assert.Equal(cluster.StateMachine<RecordingStateMachine>(1).Log.Take(replayed.Count), replayed);

        Assert.IsType<ProposeResult>(await cluster.Group(3).Ask<object>(new Propose("c"), TimeSpan.FromSeconds(30)));
        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(30), atLeast: 41);
        var logs = cluster.Nodes.Select(id => cluster.StateMachine<RecordingStateMachine>(id).Log).ToList();
        Assert.All(logs, log => Assert.Equal(logs[0], log));
    }

    /// <summary>
    /// A proposal with node 3 down. The proposer's own deadline answers long before the ask's, so
    /// no answer at all means a node stopped or its group is stuck: the failure says which.
    /// </summary>
    private static async Task<object> ProposeOrExplainAsync(PaxosTestCluster cluster, int node, string command)
    {
        try
        {
            return await cluster.Group(node).Ask<object>(new Propose(command), TimeSpan.FromSeconds(20));
        }
        catch (AskTimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"No answer to {command} through node {node} within 20 s ({Systems(cluster)}).");
        }
    }

    /// <summary>
    /// Waits until node 3's journal file holds a chosen record: the learner runs an instance
    /// before its record is written, so a crash right after convergence may leave none, and the
    /// restart would then show nothing read back from the file.
    /// </summary>
    private static async Task ChosenRecordAsync(string file)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await Eventually.HoldsAsync(
            async () =>
            {
                await using var count = connection.CreateCommand();
                count.CommandText = "SELECT count(*) FROM paxos_journal WHERE manifest IN ('C1', 'C2')";
                return (long)(await count.ExecuteScalarAsync())! > 0;
            },
            TimeSpan.FromSeconds(30),
            () => "a chosen record in node 3's file");
    }

    private static string Systems(PaxosTestCluster cluster) =>
        string.Join(", ", new[] { 1, 2 }.Select(n => $"node {n} {(cluster.System(n).WhenTerminated.IsCompleted ? "terminated" : "running")}"));

    private static Task<PaxosTestCluster> StartAsync(bool tls) => PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
    {
        Nodes = 3,
        Tls = tls,
        StateMachines = (_, _) => [new RecordingStateMachine()],
        ExtraConfig = "paxos-actors.proposer { prepare-timeout = 300ms, accept-timeout = 300ms }\npaxos-actors.learn-interval = 1s",
    });
}
