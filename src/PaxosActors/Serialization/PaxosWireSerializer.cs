using Akka.Actor;
using Akka.Serialization;
using PaxosActors.Core;
using PaxosActors.Hosting;
using PaxosActors.Messages;

namespace PaxosActors.Serialization;

/// <summary>
/// Compact, versioned binary format for Paxos messages between nodes and for client messages. Bytes that do not parse
/// raise <see cref="PaxosFormatException"/>: Akka.Remote logs and drops them, and the
/// <c>paxos.wire.malformed</c> counter goes up.
/// </summary>
public sealed class PaxosWireSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 9101;
    private const string EnvelopeV1 = "E1";

    public override int Identifier => Id;

    public override string Manifest(object o) => o is PaxosEnvelope
        ? EnvelopeV1
        : ClientCodec.Manifest(o) ?? throw new ArgumentException($"Cannot serialize {o.GetType()}.", nameof(o));

    public override byte[] ToBinary(object obj) => obj is PaxosEnvelope e
        ? MessageCodec.Encode(e)
        : ClientCodec.Encode(obj, CommandSerialization.Get(system));

    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            return manifest == EnvelopeV1 ? MessageCodec.Decode(bytes) : ClientCodec.Decode(bytes, manifest, CommandSerialization.Get(system));
        }
        catch (PaxosFormatException)
        {
            NodeMetrics.For(system).Count("wire.malformed");
            throw;
        }
    }
}
