using Akka.Actor;
using Akka.Configuration;
using PaxosActors.Hosting;
using PaxosActors.TestKit;

namespace PaxosActors.Tests.Actors;

/// <summary>
/// The Paxos guardian is a system actor (/system/paxos); /user/paxos forwards to it for peers
/// and clients of earlier releases, and a node still sending to the old path (an upgrade under
/// way) works beside nodes that send to the new one. With the alias off, /user/paxos is the
/// application's.
/// </summary>
public sealed class GuardianPathTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task The_groups_live_under_system_and_answer_at_the_old_path_too_while_a_node_still_sends_there()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (_, _) => [new RecordingStateMachine()],
            ExtraConfig = "akka.loglevel = ERROR",

            // Node 3 was upgraded first: it still sends its peers' messages to /user/paxos.
            NodeConfig = node => node == 3 ? "paxos-actors.wire.peer-path = user" : string.Empty,
        });
        var group = await PaxosExtension.Get(cluster.System(1)).GroupAsync("test");
        Assert.Equal("/system/paxos/group-test", group!.Path.ToStringWithoutAddress());

        foreach (var node in cluster.Nodes)
        {
            Assert.IsType<ProposeResult>(await cluster.ProposeAsync(node, $"from {node}", Wait));
        }

        await cluster.AwaitConvergenceAsync(Wait, atLeast: 3);

        using var client = ActorSystem.Create("client", ConfigurationFactory.ParseString("akka.actor.provider = remote\nakka.remote.dot-netty.tcp { hostname = \"127.0.0.1\", port = 0 }\nakka.loglevel = ERROR")
            .WithFallback(PaxosExtension.DefaultConfig));
        foreach (var path in new[] { "/system/paxos", "/user/paxos" })
        {
            var reply = await client.ActorSelection($"{cluster.Address(2)}{path}/group-test").Ask<object>(new Propose($"via {path}"), Wait);
            Assert.IsType<ProposeResult>(reply);
            var groups = await client.ActorSelection($"{cluster.Address(2)}{path}").Ask<NodeGroups>(GetNodeGroups.Instance, Wait);
            Assert.Equal(2, groups.NodeId);
            Assert.Equal(["test"], groups.Groups);
        }
    }

    [Fact]
    public async Task With_the_alias_off_user_paxos_is_the_applications()
    {
        var data = Path.Combine(Path.GetTempPath(), $"paxos-guardian-{Guid.NewGuid():N}");
        var config = LocalNodeConfig.Create(1, LocalNodeConfig.FreePorts(1), Path.Combine(data, "node1.db"), ["test"], "akka.loglevel = ERROR\npaxos-actors.wire.user-alias = off");
        var system = PaxosActorSystem.Create(LocalNodeConfig.SystemName, config);
        try
        {
            var paxos = PaxosExtension.Get(system);
            await paxos.StartGroupAsync("test", new RecordingStateMachine());
            var mine = system.ActorOf(Props.Empty, "paxos");
            Assert.Equal("/user/paxos", mine.Path.ToStringWithoutAddress());
            Assert.IsType<ProposeResult>(await paxos.ProposeAsync("test", "x", Wait));
            Assert.Throws<ConfigurationException>(() => PaxosSettings.Create(ConfigurationFactory.ParseString("paxos-actors { node-id = 1, wire.peer-path = elsewhere }").WithFallback(PaxosExtension.DefaultConfig)));
        }
        finally
        {
            await system.Terminate();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
