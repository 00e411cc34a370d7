using System.Text.Json;
using PaxosActors.Cli.Recovery;

namespace PaxosActors.Tests.Cli;

/// <summary>`paxos recovery` runs end to end on three processes and writes its JSON (no timing is asserted).</summary>
public sealed class RecoverySmokeTests
{
    [Fact]
    public async Task A_small_recovery_run_restarts_node_3_and_writes_its_figures()
    {
        var data = Path.Combine(Path.GetTempPath(), "paxos-recovery-" + Guid.NewGuid().ToString("N"));
        var json = data + ".json";
        try
        {
            var result = await RecoveryCommand.RunAsync(1280, data, json, "paxos-actors.checkpoint.every-instances = 5", TextWriter.Null);
            Assert.Equal(1280, result.Commands);
            using var document = JsonDocument.Parse(File.ReadAllText(json));
            var root = document.RootElement;
            Assert.Equal(1280, root.GetProperty("commands").GetInt64());
            Assert.True(root.GetProperty("restartSeconds").GetDouble() > 0);
            Assert.True(root.GetProperty("peakWorkingSetMb").GetDouble() > 0);

            // The nodes took checkpoints on the way (every 5 instances).
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(data, "node3.db.checkpoints", "g0"), "*.checkpoint"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
            File.Delete(json);
        }
    }
}
