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
/// another group and messages from a node that is not a member: all are dropped and counted,
/// and the group keeps working.
/// </summary>
public sealed class HostileWireTests(ITestOutputHelper output)
{
    private const string Group = "test";

    [Fact]
    public async Task Malformed_and_foreign_messages_over_akka_remote_are_dropped_counted_and_harmless()
    {
        using var counters = new CounterProbe("paxos.wire.malformed", "paxos.dropped.wrong_group", "paxos.dropped.not_member", "paxos.dropped.wrong_cluster");
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions { Nodes = 1, StateMachines = (_, _) => [new RecordingStateMachine()] });
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
