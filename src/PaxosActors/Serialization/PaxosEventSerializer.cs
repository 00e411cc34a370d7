using Akka.Actor;
using Akka.Serialization;
using PaxosActors.Core;

namespace PaxosActors.Serialization;

/// <summary>
/// The durable format of the acceptor's journal. Hyperion is not a storage format: events are
/// written with explicit, versioned manifests so old journals stay readable.
/// </summary>
public sealed class PaxosEventSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 9102;

    public override int Identifier => Id;

    public override string Manifest(object o) => o is AcceptorEvent e
        ? EventCodec.Manifest(e)
        : throw new ArgumentException($"Cannot serialize {o.GetType()}.", nameof(o));

    public override byte[] ToBinary(object obj) => obj is AcceptorEvent e
        ? EventCodec.Encode(e)
        : throw new ArgumentException($"Cannot serialize {obj.GetType()}.", nameof(obj));

    public override object FromBinary(byte[] bytes, string manifest) => EventCodec.Decode(bytes, manifest);
}
