using System.Text.Json;
using PaxosActors.Cli.Members;
using PaxosActors.TestKit;

namespace PaxosActors.Tests.Cli;

/// <summary>`paxos master` against running nodes: the master in text and JSON, --drop, and a group without a master.</summary>
public sealed class MasterCommandTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Master_shows_and_drops_the_lease_and_says_when_a_group_has_none()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            Groups = ["test", "plain"],
            StateMachines = (_, _) => [new RecordingStateMachine()],
            ExtraConfig = "akka.loglevel = ERROR\npaxos-actors.groups.test.master = on\npaxos-actors.master.lease = 2s",
        });
        var node1 = cluster.Address(1).ToString();
        var master = 0;
        await Eventually.HoldsAsync(
            async () =>
            {
                var (code, output, _) = await RunAsync(node1, "test", drop: false, json: true);
                Assert.Equal(0, code);
                using var json = JsonDocument.Parse(output);
                master = json.RootElement.GetProperty("node").GetInt32();
                Assert.True(json.RootElement.GetProperty("version").GetInt64() >= 0);
                return master != 0;
            },
            TimeSpan.FromSeconds(20),
            () => "a master to be elected");

        var dropped = await RunAsync(cluster.Address(master).ToString(), "test", drop: true, json: false);
        Assert.Equal(0, dropped.Code);
        Assert.DoesNotContain("(the node asked)", dropped.Output, StringComparison.Ordinal);

        var none = await RunAsync(node1, "plain", drop: false, json: false);
        Assert.Equal(1, none.Code);
        Assert.Contains("has no master", none.Error, StringComparison.Ordinal);
        Assert.Equal(3, (await RunAsync("nowhere", "test", drop: false, json: false)).Code);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string node, string group, bool drop, bool json)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await MasterCommand.RunAsync(null, node, group, drop, json, Wait, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
