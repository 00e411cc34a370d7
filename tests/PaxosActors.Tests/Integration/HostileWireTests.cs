using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using PaxosActors.Core;
using PaxosActors.Hosting;
using PaxosActors.Messages;
using PaxosActors.Serialization;
using PaxosActors.TestKit;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Integration;

/// <summary>
/// A foreign system on the network sends a group garbage bytes, unknown manifests, messages for
/// another group, messages from a node that is not a member, and messages that claim to come
/// from a member it is not: all are dropped and counted, and the group keeps working.
/// </summary>
public sealed class HostileWireTests(ITestOutputHelper output)
{
    private const string Group = "test";
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Malformed_and_foreign_messages_over_akka_remote_are_dropped_counted_and_harmless()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions { Nodes = 1, StateMachines = (_, _) => [new RecordingStateMachine()] });
        using var counters = CounterProbe.For(cluster, "paxos.wire.malformed", "paxos.dropped.wrong_group", "paxos.dropped.not_member", "paxos.dropped.wrong_cluster");
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "before", TimeSpan.FromSeconds(10)));

        var port = LocalNodeConfig.FreePorts(1)[1];
        using var hostile = ActorSystem.Create("hostile", ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{port}} }
            akka.actor.serializers.raw = "{{typeof(RawSerializer).AssemblyQualifiedName}}"
            akka.actor.serialization-bindings { "{{typeof(Raw).AssemblyQualifiedName}}" = raw }
            """));
        var status = await cluster.Group(1).Ask<GroupStatus>(GetGroupStatus.Instance, TimeSpan.FromSeconds(10));
        var target = hostile.ActorSelection($"akka.tcp://{LocalNodeConfig.SystemName}@127.0.0.1:{cluster.Port(1)}/user/paxos/group-{Group}");
        var random = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(0, 40)];
            random.NextBytes(bytes);
            target.Tell(new Raw(bytes, i % 10 == 0 ? "ZZ" : "E1"));
        }

        var prepare = new Prepare(status.Executed, new NodeId(1), new Ballot(99, new NodeId(1)));
        target.Tell(new Raw(MessageCodec.Encode(new PaxosEnvelope("other-group", prepare) { ClusterId = "paxos" }), "E1"));
        target.Tell(new Raw(MessageCodec.Encode(new PaxosEnvelope(Group, prepare) { ClusterId = "another-cluster" }), "E1"));
        target.Tell(new Raw(MessageCodec.Encode(new PaxosEnvelope(Group, new Accept(status.Executed, new NodeId(42), new Ballot(99, new NodeId(42)), [1], status.LastChecksum)) { ClusterId = "paxos" }), "E1"));

        await counters.WaitAsync(c => c["paxos.wire.malformed"] >= 150 && c["paxos.dropped.wrong_group"] >= 1 && c["paxos.dropped.not_member"] >= 1 && c["paxos.dropped.wrong_cluster"] >= 1, TimeSpan.FromSeconds(20));
        output.WriteLine(string.Join(", ", counters.Snapshot().Select(c => $"{c.Key}={c.Value}")));

        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "after", TimeSpan.FromSeconds(10)));
        Assert.Equal(["before", "after"], cluster.StateMachine<RecordingStateMachine>(1).Log.Select(e => e.Command));
    }

    /// <summary>
    /// A system that is not node 2 sends every node a Prepare with a huge ballot and an Accept of
    /// its own value, both in node 2's name and ballot, once as one of its actors and once with
    /// no sender; and node 1 commands and a refusal. Had the nodes taken them, every acceptor
    /// would hold the forged value at a ballot above any real one, the next proposal would have
    /// to re-prepare, find it, and get it chosen: an instance that no client proposed.
    /// </summary>
    [Fact]
    public async Task Messages_that_claim_a_node_they_do_not_come_from_are_dropped_and_their_value_never_chosen()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (_, _) => [new RecordingStateMachine()],
            ExtraConfig = "akka.loglevel = ERROR\nakka.remote.log-remote-lifecycle-events = off",
        });
        using var counters = CounterProbe.For(cluster, "paxos.dropped.sender_mismatch");
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "before", Ceiling));
        var status = (await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 1))[0];

        var port = LocalNodeConfig.FreePorts(1)[1];
        using var hostile = ActorSystem.Create("hostile", ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{port}} }
            """).WithFallback(PaxosExtension.DefaultConfig));
        var impostor = hostile.ActorOf(Props.Empty, "node-2");
        var groups = new Dictionary<int, IActorRef>();
        foreach (var node in cluster.Nodes)
        {
            groups[node] = await hostile.ActorSelection($"akka.tcp://{LocalNodeConfig.SystemName}@127.0.0.1:{cluster.Port(node)}/user/paxos/group-{Group}").ResolveOne(Ceiling);
        }

        var two = new NodeId(2);
        var ballot = new Ballot(1L << 40, two);
        PaxosMessage[] forged = [new Prepare(status.Executed, two, ballot), new Accept(status.Executed, two, ballot, "forged"u8.ToArray(), status.LastChecksum)];
        foreach (var group in groups.Values)
        {
            foreach (var message in forged)
            {
                group.Tell(new PaxosEnvelope(Group, message) { ClusterId = "paxos" }, impostor);
                group.Tell(new PaxosEnvelope(Group, message) { ClusterId = "paxos" }, ActorRefs.NoSender);
            }
        }

        groups[1].Tell(new ForwardedCommands(Group, two, "forged"u8.ToArray()) { ClusterId = "paxos" }, impostor);
        groups[1].Tell(new ForwardRefused(Group, two, 1, [1], ClientFailure.Overloaded, "forged") { ClusterId = "paxos" }, impostor);

        // One link keeps its order: a group that answered this has handled everything before it.
        foreach (var group in groups.Values)
        {
            await group.Ask<GroupStatus>(GetGroupStatus.Instance, Ceiling);
        }

        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "after", Ceiling));
        var statuses = await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 2);
        output.WriteLine(string.Join(", ", statuses.Select(s => $"node {s.NodeId} executed {s.Executed}")) + "; " + string.Join(", ", counters.Snapshot().Select(c => $"{c.Key}={c.Value}")));
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(["before", "after"], cluster.StateMachine<RecordingStateMachine>(node).Log.Select(e => e.Command));
        }

        Assert.All(statuses, s => Assert.Equal(2, s.Executed));
        Assert.True(counters.Snapshot()["paxos.dropped.sender_mismatch"] >= (groups.Count * forged.Length * 2) + 2);
    }

    /// <summary>Bytes sent as if PaxosWireSerializer (id 9101) had written them.</summary>
    public sealed record Raw(byte[] Bytes, string Manifest);

    public sealed class RawSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
    {
        public override int Identifier => PaxosWireSerializer.Id;

        public override string Manifest(object o) => ((Raw)o).Manifest;

        public override byte[] ToBinary(object obj) => ((Raw)obj).Bytes;

        public override object FromBinary(byte[] bytes, string manifest) => throw new NotSupportedException("send only");
    }
}
