using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using PaxosActors.Core;
using PaxosActors.Hosting;
using PaxosActors.Messages;

namespace PaxosActors.Serialization;

/// <summary>
/// The wire format of Paxos messages between nodes and of client messages. It reads both
/// versions: 1 (PaxosActors' own compact layout) and 2 (Protocol Buffers, <c>Protos/wire.proto</c>,
/// which tolerates fields it does not know). It writes the version that
/// <c>paxos-actors.wire.write-version</c> names: 2, or 1 while a rolling upgrade still has nodes
/// that read only version 1. Bytes that do not parse raise <see cref="PaxosFormatException"/>:
/// Akka.Remote logs and drops them, and the <c>paxos.wire.malformed</c> counter goes up.
/// </summary>
public sealed class PaxosWireSerializer : SerializerWithStringManifest
{
    public const int Id = 9101;
    private const string EnvelopeV1 = "E1", EnvelopeV2 = "E2";
    private readonly ExtendedActorSystem _system;
    private readonly bool _writeV1;

    public PaxosWireSerializer(ExtendedActorSystem system)
        : base(system)
    {
        _system = system;
        var version = system.Settings.Config.GetInt("paxos-actors.wire.write-version", 2);
        _writeV1 = version switch
        {
            1 => true,
            2 => false,
            _ => throw new ConfigurationException($"paxos-actors.wire.write-version must be 1 or 2, not {version}."),
        };
    }

    public override int Identifier => Id;

    public override string Manifest(object o) => o is PaxosEnvelope
        ? _writeV1 ? EnvelopeV1 : EnvelopeV2
        : MembershipCodec.Manifest(o) ?? MasterCodec.Manifest(o) ?? (NewInVersion2(o) ? ProtoClientCodec.Manifest(o) : null) ?? (_writeV1 ? ClientCodec.Manifest(o) : ProtoClientCodec.Manifest(o)) ?? throw new ArgumentException($"Cannot serialize {o.GetType()}.", nameof(o));

    /// <summary>Client messages version 1 never had: no older node sends or expects them, so they are written in version 2 whatever write-version says.</summary>
    private static bool NewInVersion2(object o) => o is Read or GetNodeGroups or NodeGroups;

    public override byte[] ToBinary(object obj) => obj switch
    {
        PaxosEnvelope e => _writeV1 ? MessageCodec.Encode(e) : ProtoMessageCodec.Encode(e),
        AddMember or RemoveMember or ChangeMember or GetMembership or GroupMembership or MemberChangeSucceeded or MemberChangeFailed => MembershipCodec.Encode(obj),
        GetMaster or MasterInfo or IsMaster or DropMaster => MasterCodec.Encode(obj),
        _ when NewInVersion2(obj) => ProtoClientCodec.Encode(obj, CommandSerialization.Get(_system)),
        _ => _writeV1 ? ClientCodec.Encode(obj, CommandSerialization.Get(_system)) : ProtoClientCodec.Encode(obj, CommandSerialization.Get(_system)),
    };

    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            return manifest switch
            {
                EnvelopeV2 => ProtoMessageCodec.Decode(bytes),
                EnvelopeV1 => MessageCodec.Decode(bytes),
                _ when MembershipCodec.Knows(manifest) => MembershipCodec.Decode(bytes, manifest),
                _ when MasterCodec.Knows(manifest) => MasterCodec.Decode(bytes, manifest),
                _ when ProtoClientCodec.Knows(manifest) => ProtoClientCodec.Decode(bytes, manifest, CommandSerialization.Get(_system)),
                _ => ClientCodec.Decode(bytes, manifest, CommandSerialization.Get(_system)),
            };
        }
        catch (PaxosFormatException)
        {
            NodeMetrics.For(_system).Count("wire.malformed");
            throw;
        }
    }
}
