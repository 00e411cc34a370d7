using System.Text.Json;
using PaxosActors.Cli.Bench;

namespace PaxosActors.Tests.Cli;

/// <summary>
/// `paxos bench` runs end to end, in one process and as three node processes (also with every
/// client in one node, where the two others measure until told the window is over), and writes
/// the JSON it promises (no timing is asserted).
/// </summary>
public sealed class BenchSmokeTests
{
    [Theory]
    [InlineData(true, false, null)]
    [InlineData(false, true, null)]
    [InlineData(false, false, 2)]
    public async Task A_short_bench_writes_its_figures_as_json(bool inProcess, bool batch, int? clientNode)
    {
        var data = Path.Combine(Path.GetTempPath(), "paxos-bench-" + Guid.NewGuid().ToString("N"));
        var json = data + ".json";
        try
        {
            var options = new BenchOptions(2, 4, 100, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), data, json) { InProcess = inProcess, Batch = batch, ClientNode = clientNode };
            var result = await BenchCommand.RunAsync(options, TextWriter.Null);
            Assert.True(result.Operations > 0);
            Assert.Equal(0, result.Failed);
            using var document = JsonDocument.Parse(File.ReadAllText(json));
            var root = document.RootElement;
            foreach (var name in new[] { "opsPerSecond", "peakWorkingSetMb", "groups", "clients", "valueSize", "writtenBytesPerCommand", "diskBytesPerNode", "cpuMicrosPerCommand" })
            {
                Assert.True(root.GetProperty(name).GetDouble() > 0, name);
            }

            Assert.True(root.GetProperty("latencyMs").GetProperty("p99").GetDouble() >= root.GetProperty("latencyMs").GetProperty("p50").GetDouble());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
            File.Delete(json);
        }
    }
}
