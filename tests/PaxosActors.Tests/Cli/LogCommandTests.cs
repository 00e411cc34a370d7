using Microsoft.Data.Sqlite;
using PaxosActors.Cli.Log;
using PaxosActors.Kv;
using PaxosActors.TestKit;

namespace PaxosActors.Tests.Cli;

/// <summary>
/// `paxos log` on a real node's SQLite journal after it stopped: it lists the groups, shows
/// the chosen instances with their KV commands decoded, verifies the checksum chain, and names
/// the first instance whose stored value no longer matches its checksum.
/// </summary>
public sealed class LogCommandTests
{
    [Fact]
    public async Task It_shows_a_stopped_nodes_log_verifies_the_chain_and_finds_a_damaged_value()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (_, _) => [new KvStateMachine()],
            ExtraConfig = KvStateMachine.Config.Root + "\nakka.loglevel = OFF",
        });
        for (var i = 0; i < 6; i++)
        {
            Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, new KvPut($"key{i}", $"value{i}"), TimeSpan.FromSeconds(30)));
        }

        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(30), atLeast: 6);
        await cluster.CrashAsync(1);
        SqliteConnection.ClearAllPools();
        var file = Path.Combine(cluster.DataDirectory, "node1.db");

        var (code, text, _) = Run(file, null, verify: false);
        Assert.Equal(0, code);
        Assert.Contains("test", text, StringComparison.Ordinal);

        (code, text, _) = Run(file, "test", verify: true);
        Assert.Equal(0, code);
        Assert.Contains("KvPut { Key = key0, Value = value0 }", text, StringComparison.Ordinal);
        Assert.Contains("KvPut { Key = key5, Value = value5 }", text, StringComparison.Ordinal);
        Assert.Contains("checksum chain verified over", text, StringComparison.Ordinal);

        // The value of the first accept this node stored, one byte changed.
        using (var db = new SqliteConnection($"Data Source={file};Pooling=False"))
        {
            db.Open();
            using var update = db.CreateCommand();
            update.CommandText = """
                UPDATE paxos_journal SET payload = CAST(substr(payload, 1, length(payload) - 1) || X'00' AS BLOB)
                WHERE manifest = 'A1' AND sequence_nr = (SELECT min(sequence_nr) FROM paxos_journal WHERE manifest = 'A1')
                """;
            Assert.Equal(1, update.ExecuteNonQuery());
        }

        (code, text, _) = Run(file, "test", verify: true);
        Assert.Equal(1, code);
        Assert.Contains("checksum chain BROKEN: instance", text, StringComparison.Ordinal);

        (code, _, var error) = Run(Path.Combine(cluster.DataDirectory, "nothing.db"), "test", verify: true);
        Assert.Equal(3, code);
        Assert.Contains("no such file", error, StringComparison.Ordinal);
        (code, _, error) = Run(file, "other", verify: false);
        Assert.Equal(3, code);
        Assert.Contains("no group 'other'", error, StringComparison.Ordinal);
    }

    private static (int Code, string Output, string Error) Run(string file, string? group, bool verify)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = LogCommand.Run(file, group, from: 0, count: 100, verify, json: false, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
