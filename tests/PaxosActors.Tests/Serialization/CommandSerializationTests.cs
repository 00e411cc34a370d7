using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using Google.Protobuf;
using PaxosActors.Hosting;
using PaxosActors.Serialization;
using PaxosActors.TestKit;
using Wire = PaxosActors.Serialization.Wire;

namespace PaxosActors.Tests.Serialization;

/// <summary>
/// Users' commands and results go by their own serializer binding, else by
/// <c>paxos-actors.command-serializer</c> (Hyperion by default); a command a node cannot
/// deserialize is refused with SerializationFailed, not dropped.
/// </summary>
public sealed class CommandSerializationTests
{
    public sealed record Unbound(string Key, int Value);

    public sealed record Bound(string Key);

    public sealed record BoundToJson(string Key);

    private static ActorSystem NewSystem(string extra = "") => ActorSystem.Create("commands", ConfigurationFactory.ParseString(extra)
        .WithFallback(ConfigurationFactory.ParseString($$"""
            akka.actor.serializers.custom = "{{typeof(CustomSerializer).AssemblyQualifiedName}}"
            akka.actor.serialization-bindings {
              "{{typeof(Bound).AssemblyQualifiedName}}" = custom
              "{{typeof(BoundToJson).AssemblyQualifiedName}}" = json
            }
            """))
        .WithFallback(PaxosExtension.DefaultConfig));

    private sealed class Marker;

    private static int HyperionId(ActorSystem system) => system.Serialization.FindSerializerForType(typeof(Marker), "hyperion") switch
    {
        HyperionSerializer h => h.Identifier,
        var other => throw new InvalidOperationException($"hyperion is not registered: {other.GetType()}"),
    };

    [Fact]
    public async Task An_unbound_command_goes_by_hyperion_a_bound_one_by_its_binding_and_both_round_trip()
    {
        using var system = NewSystem();
        var commands = CommandSerialization.Get(system);
        var (id, manifest, bytes) = commands.Serialize(new Unbound("k", 7));
        Assert.Equal(HyperionId(system), id);
        Assert.Equal(new Unbound("k", 7), commands.Deserialize(bytes, id, manifest));

        (id, manifest, bytes) = commands.Serialize(new Bound("b"));
        Assert.Equal(CustomSerializer.Id, id);
        Assert.Equal(new Bound("b"), commands.Deserialize(bytes, id, manifest));

        // A type bound to the same serializer as Akka's catch-all keeps it.
        Assert.Equal(system.Serialization.FindSerializerForType(typeof(object)).Identifier, commands.Serialize(new BoundToJson("j")).Id);

        // The rest of the actor system is untouched: Akka's catch-all is still JSON.
        Assert.IsType<NewtonSoftJsonSerializer>(system.Serialization.FindSerializerFor(new Unbound("k", 7)));
        await system.Terminate();
    }

    [Fact]
    public async Task An_empty_command_serializer_leaves_commands_to_akkas_catch_all_and_an_unknown_one_is_a_configuration_error()
    {
        using (var json = NewSystem("paxos-actors.command-serializer = \"\""))
        {
            var (id, _, _) = CommandSerialization.Get(json).Serialize(new Unbound("k", 7));
            Assert.Equal(json.Serialization.FindSerializerForType(typeof(object)).Identifier, id);
            await json.Terminate();
        }

        using var wrong = NewSystem("paxos-actors.command-serializer = nope");
        var e = Assert.ThrowsAny<Exception>(() => CommandSerialization.Get(wrong));
        Assert.Contains("paxos-actors.command-serializer: 'nope' is not a serializer", (e.InnerException ?? e).Message, StringComparison.Ordinal);
        await wrong.Terminate();
    }

    [Fact]
    public async Task A_proposal_whose_command_does_not_deserialize_decodes_to_an_undecodable_command()
    {
        using var system = NewSystem();
        var commands = CommandSerialization.Get(system);
        var serializer = (PaxosWireSerializer)system.Serialization.FindSerializerFor(new Propose("x"));
        var good = serializer.ToBinary(new Propose(new Unbound("k", 1)));
        Assert.Equal(new Unbound("k", 1), ((Propose)serializer.FromBinary(good, serializer.Manifest(new Propose("x")))).Command);

        foreach (var (id, manifest) in new[] { (4343, string.Empty), (commands.Serialize(new Unbound("k", 1)).Id, "No.Such.Type, Nowhere") })
        {
            // In both wire formats.
            var v1 = new Core.WireWriter(64).Bool(true).Int32(id).String(manifest).Bytes([1, 2, 3]).Int32(1).ToArray();
            var v2 = new Wire.Propose { Command = new Wire.Payload { SerializerId = id, Manifest = manifest, Data = ByteString.CopyFrom(1, 2, 3) }, StateMachineId = 1 }.ToByteArray();
            foreach (var (bytes, format) in new[] { (v1, ClientCodec.ProposeV1), (v2, ProtoClientCodec.Propose) })
            {
                var command = Assert.IsType<UndecodableCommand>(((Propose)serializer.FromBinary(bytes, format)).Command);
                Assert.Equal(id, command.SerializerId);
                Assert.Contains($"serializer {id}", command.Reason, StringComparison.Ordinal);
            }
        }

        await system.Terminate();
    }

    [Fact]
    public async Task Over_akka_remote_a_command_of_a_serializer_the_node_lacks_is_refused_with_serialization_failed()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions { Nodes = 1, StateMachines = (_, _) => [new Echo()] });
        using var client = ActorSystem.Create("client", ConfigurationFactory.ParseString($$"""
            akka.loglevel = ERROR
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
            akka.actor.serializers.custom = "{{typeof(CustomSerializer).AssemblyQualifiedName}}"
            akka.actor.serialization-bindings { "{{typeof(Bound).AssemblyQualifiedName}}" = custom }
            """).WithFallback(PaxosExtension.DefaultConfig));
        var group = client.ActorSelection($"akka.tcp://{LocalNodeConfig.SystemName}@127.0.0.1:{cluster.Port(1)}/user/paxos/group-test");

        var failed = Assert.IsType<ProposeFailed>(await group.Ask<object>(new Propose(new Bound("b")), TimeSpan.FromSeconds(20)));
        Assert.Equal(ProposeFailureReason.SerializationFailed, failed.Reason);
        Assert.False(failed.OutcomeUnknown);
        Assert.Contains($"serializer {CustomSerializer.Id}", failed.Message, StringComparison.Ordinal);

        // An unbound command goes by Hyperion, which both ends have, runs, and its result comes back the same way.
        var ran = Assert.IsType<ProposeResult>(await group.Ask<object>(new Propose(new Unbound("k", 1)), TimeSpan.FromSeconds(20)));
        Assert.Equal(new Unbound("k", 1), ran.Result);
        await client.Terminate();
    }

    /// <summary>Answers each command with itself.</summary>
    private sealed class Echo : IStateMachine
    {
        public int Id => 1;

        public object? Execute(long instance, object command) => command;
    }

    /// <summary>A serializer only the client has.</summary>
    public sealed class CustomSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
    {
        public const int Id = 4242;

        public override int Identifier => Id;

        public override string Manifest(object o) => "B";

        public override byte[] ToBinary(object obj) => System.Text.Encoding.UTF8.GetBytes(((Bound)obj).Key);

        public override object FromBinary(byte[] bytes, string manifest) => new Bound(System.Text.Encoding.UTF8.GetString(bytes));
    }
}
