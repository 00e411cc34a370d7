using System.Text.Json;
using PaxosActors.Cli.Failover;

namespace PaxosActors.Tests.Cli;

/// <summary>`paxos failover` runs end to end on three processes: it kills the master's process and a new master takes over (no timing is asserted).</summary>
public sealed class FailoverSmokeTests
{
    [Fact]
    public async Task A_killed_masters_process_is_replaced_and_the_figures_are_written()
    {
        var data = Path.Combine(Path.GetTempPath(), "paxos-failover-" + Guid.NewGuid().ToString("N"));
        var json = data + ".json";
        var output = new StringWriter();
        try
        {
            Assert.Equal(0, await FailoverCommand.RunAsync(rounds: 2, TimeSpan.FromSeconds(1), data, json, output, TextWriter.Null));
            using var document = JsonDocument.Parse(File.ReadAllText(json));
            var times = document.RootElement.GetProperty("failoverMs").EnumerateArray().Select(t => t.GetDouble()).ToList();
            Assert.Equal(2, times.Count);
            Assert.All(times, t => Assert.True(t > 0));
            Assert.Contains("round 2: killed node", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
            File.Delete(json);
        }
    }
}
