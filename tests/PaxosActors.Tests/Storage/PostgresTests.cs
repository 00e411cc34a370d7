using PaxosActors.TestKit;

namespace PaxosActors.Tests.Storage;

/// <summary>
/// The deployment configuration of hocon/postgresql.conf: three nodes over Akka.Remote, each
/// with its acceptor state in its own PostgreSQL database through Akka.Persistence.Sql. A node
/// that crashes comes back from its database and catches up, and every node runs the same log.
/// </summary>
public sealed class PostgresTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task Three_nodes_on_postgresql_agree_and_a_crashed_node_recovers_from_its_database()
    {
        var databases = new Dictionary<int, string>();
        foreach (var node in new[] { 1, 2, 3 })
        {
            databases[node] = await server.CreateDatabaseAsync($"paxos_test_{node}");
        }

        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (_, _) => [new RecordingStateMachine()],
            NodeConfig = node => $$"""
                akka.persistence.journal.plugin = "akka.persistence.journal.sql"
                akka.persistence.journal.sql { connection-string = "{{databases[node]}}", provider-name = "PostgreSQL.15" }
                """,
        });

        var first = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => cluster.ProposeAsync(1 + (i % 3), $"a{i}", TimeSpan.FromSeconds(30))));
        Assert.All(first, r => Assert.IsType<ProposeResult>(r));
        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(30), atLeast: 1);

        // The learner runs an instance before its chosen record is written, and a crash may lose
        // records still on their way: the node learns those again from its peers. To see this
        // node come back from its own database, crash it once some have reached the database.
        await ChosenRecordsAsync(databases[3], TimeSpan.FromSeconds(30));
        await cluster.CrashAsync(3);
        foreach (var i in Enumerable.Range(0, 10))
        {
            Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1 + (i % 2), $"b{i}", TimeSpan.FromSeconds(30)));
        }

        await cluster.RestartAsync(3);
        var replayed = cluster.StateMachine<RecordingStateMachine>(3).Log;
        Assert.NotEmpty(replayed);
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(3, "c", TimeSpan.FromSeconds(30)));
        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(30));
        var logs = cluster.Nodes.Select(n => cluster.StateMachine<RecordingStateMachine>(n).Log.Select(e => e.Command).ToList()).ToList();
        Assert.Equal(41, logs[0].Count);
        Assert.All(logs, log => Assert.Equal(logs[0], log));
    }

    /// <summary>Waits until the node's journal in <paramref name="database"/> holds a chosen record.</summary>
    private static async Task ChosenRecordsAsync(string database, TimeSpan ceiling)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database);
        await connection.OpenAsync();
        await Eventually.HoldsAsync(
            async () =>
            {
                await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM journal WHERE manifest IN ('C1', 'C2')", connection);
                return (long)(await count.ExecuteScalarAsync())! > 0;
            },
            ceiling,
            () => "a chosen record in the database");
    }
}
