using PaxosActors.Cli.Demo;
using PaxosActors.Cli.Lincheck;

namespace PaxosActors.Tests.Cli;

/// <summary>The `paxos` commands, run in-process.</summary>
public sealed class CliTests
{
    [Fact]
    public async Task The_demo_runs_end_to_end_and_reports_identical_logs()
    {
        var data = Path.Combine(Path.GetTempPath(), "paxos-demo-" + Guid.NewGuid().ToString("N"));
        var output = new StringWriter();
        try
        {
            Assert.Equal(0, await DemoCommand.RunAsync(data, sequential: 20, concurrent: 400, output));
            Assert.Contains("All three nodes executed the same log: 521 commands", output.ToString());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Theory]
    [InlineData("""{"ops":[{"op":"put","key":"x","value":"1","call":0,"return":1},{"op":"get","key":"x","output":"1","call":2,"return":3}]}""", 0)]
    [InlineData("""{"ops":[{"op":"put","key":"x","value":"1","call":0,"return":1},{"op":"get","key":"x","output":"2","call":2,"return":3}]}""", 1)]
    [InlineData("""{"ops":[{"op":"put","key":"x"}]}""", 3)]
    [InlineData("{", 3)]
    public void Lincheck_exit_codes_say_the_verdict(string json, int exitCode)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, json);
            Assert.Equal(exitCode, LincheckCommand.Run(file, TimeSpan.FromSeconds(5), TextWriter.Null, TextWriter.Null));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Lincheck_generates_a_hot_key_history_and_says_how_each_key_was_decided()
    {
        var file = Path.GetTempFileName();
        try
        {
            var output = new StringWriter();
            Assert.Equal(0, LincheckCommand.Generate(file, operations: 2_000, clients: 16, keys: 4, seed: 1, corrupt: false, output, TextWriter.Null));
            Assert.Equal(0, LincheckCommand.Run(file, TimeSpan.FromSeconds(60), output, TextWriter.Null));
            Assert.Contains("4 keys by append order", output.ToString());
            Assert.Contains("key 'k0': append order, linearizable", output.ToString());

            output = new StringWriter();
            Assert.Equal(0, LincheckCommand.Generate(file, operations: 2_000, clients: 16, keys: 4, seed: 1, corrupt: true, output, TextWriter.Null));
            Assert.Equal(1, LincheckCommand.Run(file, TimeSpan.FromSeconds(60), output, TextWriter.Null));
            Assert.Contains("why: ", output.ToString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Lincheck_on_a_missing_file_is_bad_input()
    {
        Assert.Equal(3, LincheckCommand.Run("/no/such/history.json", TimeSpan.FromSeconds(1), TextWriter.Null, TextWriter.Null));
    }
}
