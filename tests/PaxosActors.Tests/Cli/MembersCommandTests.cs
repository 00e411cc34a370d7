using System.Text.Json;
using PaxosActors.Cli.Members;
using PaxosActors.TestKit;

namespace PaxosActors.Tests.Cli;

/// <summary>`paxos members` against running nodes: show, add (catch-up, then vote), refusals, and bad input.</summary>
public sealed class MembersCommandTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Members_shows_adds_and_removes_nodes_and_refuses_bad_input_with_its_exit_codes()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 4,
            Members = [1, 2, 3],
            StartLater = [4],
            StateMachines = (_, _) => [new RecordingStateMachine()],
            ExtraConfig = "akka.loglevel = ERROR\npaxos-actors.learn-interval = 300ms",
        });
        var node1 = cluster.Address(1).ToString();
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "before", Wait));

        var (code, output, _) = await RunAsync(node1, "show", [], json: true);
        Assert.Equal(0, code);
        using (var shown = JsonDocument.Parse(output))
        {
            Assert.Equal(0, shown.RootElement.GetProperty("version").GetInt64());
            Assert.Equal([1, 2, 3], shown.RootElement.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetInt32()));
        }

        await cluster.RestartAsync(4);
        (code, output, _) = await RunAsync(node1, "add", ["4", cluster.Address(4).ToString()], json: false);
        Assert.Equal(0, code);
        Assert.Contains("membership version 2", output, StringComparison.Ordinal);
        Assert.Matches(@"4\s+voter\s+akka\.tcp://", output);

        (code, _, var error) = await RunAsync(node1, "remove", ["9"], json: false);
        Assert.Equal(1, code);
        Assert.StartsWith("Rejected:", error, StringComparison.Ordinal);

        (code, output, _) = await RunAsync(cluster.Address(2).ToString(), "remove", ["1"], json: true, expectedVersion: 2);
        Assert.Equal(0, code);
        using (var removed = JsonDocument.Parse(output))
        {
            Assert.Equal(3, removed.RootElement.GetProperty("version").GetInt64());
            Assert.Equal([2, 3, 4], removed.RootElement.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetInt32()));
        }

        (code, output, _) = await RunAsync(cluster.Address(3).ToString(), "remove", ["2"], json: true, expectedVersion: 2);
        Assert.Equal(1, code);
        Assert.Equal("VersionMismatch", JsonDocument.Parse(output).RootElement.GetProperty("reason").GetString());

        // Node 1 is out: once it has learned so (a removed node still learns its removal), it
        // shows the new membership and refuses changes.
        await Eventually.HoldsAsync(
            async () => (await RunAsync(node1, "show", [], json: false)).Output.Contains("version 3", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10),
            () => "node 1 to learn its removal");

        (code, _, error) = await RunAsync(node1, "remove", ["2"], json: false);
        Assert.Equal(1, code);
        Assert.StartsWith("NotMember:", error, StringComparison.Ordinal);

        Assert.Equal(3, (await RunAsync("not-an-address", "show", [], json: false)).Code);
        Assert.Equal(3, (await RunAsync(node1, "remove", ["one"], json: false)).Code);
        Assert.Equal(2, (await RunAsync("akka.tcp://paxos@127.0.0.1:1", "show", [], json: false, timeout: TimeSpan.FromSeconds(2))).Code);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string node, string operation, string[] args, bool json, long? expectedVersion = null, TimeSpan? timeout = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var request = MembersCommand.Request(operation, args, expectedVersion, error);
        var code = request is null ? 3 : await MembersCommand.RunAsync(null, node, "test", request, json, timeout ?? Wait, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
