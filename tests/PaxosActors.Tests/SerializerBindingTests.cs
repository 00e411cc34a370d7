using Akka.Actor;
using Akka.Configuration;
using PaxosActors.Core;
using PaxosActors.Messages;
using PaxosActors.Serialization;

namespace PaxosActors.Tests;

/// <summary>Loading the extension into a running system binds PaxosActors' serializers.</summary>
public sealed class SerializerBindingTests
{
    [Fact]
    public async Task The_extension_binds_the_wire_and_event_serializers_in_a_system_that_did_not_know_them()
    {
        using var system = ActorSystem.Create("bind", ConfigurationFactory.ParseString("""
            paxos-actors.node-id = 1
            paxos-actors.nodes { 1 = "akka://bind" }
            paxos-actors.groups.g.members = [1]
            """));
        PaxosExtension.Get(system);
        Assert.IsType<PaxosWireSerializer>(system.Serialization.FindSerializerFor(new PaxosEnvelope("g", new AskForLearn(0, new NodeId(1)))));
        Assert.IsType<PaxosWireSerializer>(system.Serialization.FindSerializerFor(new Propose("x")));
        Assert.IsType<PaxosEventSerializer>(system.Serialization.FindSerializerFor(new Promised(Ballot.Zero)));
        await system.Terminate();
    }
}
