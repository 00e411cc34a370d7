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

        var during = await StorageOutage.ProposeWhileOutAsync(cluster, output);

        foreach (var connection in locks)
        {
            using var rollback = connection.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
            connection.Dispose();
        }

        await StorageOutage.AssertRecoveredAsync(cluster, during);
    }
}
