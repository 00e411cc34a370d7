using System.Text.Json;
using PaxosActors.Cli.Status;
using PaxosActors.TestKit;

namespace PaxosActors.Tests.Cli;

/// <summary>`paxos status` against running nodes: every group's progress, leader, master and members, in JSON and text, and the exit codes.</summary>
public sealed class StatusCommandTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Status_shows_every_group_with_its_progress_leader_master_and_members()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            Groups = ["test", "plain"],
            StateMachines = (_, _) => [new RecordingStateMachine()],
            ExtraConfig = "akka.loglevel = ERROR\npaxos-actors.groups.test.master = on\npaxos-actors.master.lease = 2s",
        });
        for (var i = 0; i < 5; i++)
        {
            Assert.IsType<ProposeResult>(await cluster.ProposeAsync(2, $"c{i}", Wait, "plain"));
        }

        await cluster.AwaitConvergenceAsync(Wait, atLeast: 5, group: "plain");
        var node1 = cluster.Address(1).ToString();
        var (code, output, error) = await RunAsync(node1, group: null, json: true);
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(1, json.RootElement.GetProperty("node").GetInt32());
        var groups = json.RootElement.GetProperty("groups").EnumerateArray().ToDictionary(g => g.GetProperty("group").GetString()!);
        Assert.Equal(["plain", "test"], groups.Keys.Order());

        var plain = groups["plain"];
        Assert.True(plain.GetProperty("executed").GetInt64() >= 5);
        Assert.True(plain.GetProperty("instance").GetInt64() >= plain.GetProperty("executed").GetInt64());
        Assert.Equal(2, plain.GetProperty("leader").GetInt32());
        Assert.Equal(JsonValueKind.Null, plain.GetProperty("master").ValueKind);
        Assert.Equal([1, 2, 3], plain.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetInt32()));
        Assert.False(plain.GetProperty("halted").GetBoolean());
        Assert.Equal(JsonValueKind.Object, groups["test"].GetProperty("master").ValueKind);

        var text = await RunAsync(node1, "plain", json: false);
        Assert.Equal(0, text.Code);
        Assert.Contains("group plain", text.Output, StringComparison.Ordinal);
        Assert.Contains("leader node 2", text.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("group test", text.Output, StringComparison.Ordinal);

        var unknown = await RunAsync(node1, "nope", json: false);
        Assert.Equal(1, unknown.Code);
        Assert.Contains("does not run on node 1", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(3, (await RunAsync("nowhere", null, json: false)).Code);
    }

    [Fact]
    public async Task A_node_that_does_not_answer_exits_2()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await StatusCommand.RunAsync(null, "akka.tcp://paxos@127.0.0.1:1", null, json: false, TimeSpan.FromSeconds(1), output, error);
        Assert.Equal(2, code);
        Assert.Contains("did not answer", error.ToString(), StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string node, string? group, bool json)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await StatusCommand.RunAsync(null, node, group, json, Wait, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
