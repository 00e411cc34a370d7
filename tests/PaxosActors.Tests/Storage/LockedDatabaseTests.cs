using Microsoft.Data.Sqlite;
using PaxosActors.TestKit;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Storage;

/// <summary>
/// Real SQLite files that cannot be written for a while (another process holds an exclusive
/// lock on them): while a majority of nodes cannot write, no proposal succeeds; once they can,
/// the group goes on, and what the callers were told matches what every node ran.
/// </summary>
public sealed class LockedDatabaseTests(ITestOutputHelper output)
{
    [Fact]
    public async Task While_a_majority_cannot_write_nothing_succeeds_and_the_group_recovers_when_storage_does()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (_, _) => [new RecordingStateMachine()],
            ExtraConfig = "akka.loglevel = ERROR\npaxos-actors.propose-timeout = 2s",
        });
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "before", TimeSpan.FromSeconds(10)));
        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(10), atLeast: 1);

        var locks = new List<SqliteConnection>();
        foreach (var node in new[] { 1, 2 })
        {
            var connection = new SqliteConnection($"Data Source={Path.Combine(cluster.DataDirectory, $"node{node}.db")}");
            connection.Open();
            using var begin = connection.CreateCommand();
            begin.CommandText = "BEGIN EXCLUSIVE";
            begin.ExecuteNonQuery();
            locks.Add(connection);
        }

        var during = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => cluster.ProposeAsync(1 + (i % 3), $"during{i}", TimeSpan.FromSeconds(10))));
        output.WriteLine(string.Join(", ", during.Select(r => r is ProposeFailed f ? $"{f.Reason}{(f.OutcomeUnknown ? "?" : string.Empty)}" : "OK")));
        Assert.All(during, r => Assert.IsType<ProposeFailed>(r));

        foreach (var connection in locks)
        {
            using var rollback = connection.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
            connection.Dispose();
        }

        object after = new ProposeFailed(ProposeFailureReason.Timeout, "not yet");
        for (var attempt = 0; attempt < 10 && after is not ProposeResult; attempt++)
        {
            after = await cluster.ProposeAsync(1, $"after{attempt}", TimeSpan.FromSeconds(10));
        }

        Assert.IsType<ProposeResult>(after);
        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(30));
        var logs = cluster.Running.Select(n => ((RecordingStateMachine)cluster.StateMachines(n)[0]).Log.Select(e => e.Command).ToList()).ToList();
        Assert.All(logs, log => Assert.Equal(logs[0], log));
        Assert.Equal("before", logs[0][0]);
        Assert.All(during.Zip(Enumerable.Range(0, 10)).Where(x => x.Item1 is ProposeFailed { OutcomeUnknown: false }), x => Assert.DoesNotContain($"during{x.Item2}", logs[0]));
    }
}
