using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace PaxosActors.Serialization;

/// <summary>
/// How a node or client serializes users' commands and results: a type bound in
/// <c>akka.actor.serialization-bindings</c> by its own binding, any other type by the serializer
/// <c>paxos-actors.command-serializer</c> names (Hyperion by default) instead of Akka's catch-all
/// for <c>System.Object</c>. Akka's catch-all, and the rest of the actor system, stay as they are.
/// </summary>
public sealed class CommandSerialization : IExtension
{
    private readonly Akka.Serialization.Serialization _serialization;
    private readonly Serializer _catchAll;
    private readonly Serializer? _fallback;
    private readonly Type[] _bound;
    private readonly ConcurrentDictionary<Type, Serializer> _byType = new();

    public CommandSerialization(ExtendedActorSystem system)
    {
        _serialization = system.Serialization;
        _catchAll = _serialization.FindSerializerForType(typeof(object));
        var config = system.Settings.Config.WithFallback(PaxosExtension.DefaultConfig);
        var name = config.GetString("paxos-actors.command-serializer", string.Empty);
        if (name.Length > 0)
        {
            if (!config.HasPath($"akka.actor.serializers.{name}"))
            {
                throw new ConfigurationException($"paxos-actors.command-serializer: '{name}' is not a serializer under akka.actor.serializers.");
            }

            // A type bound to nothing resolves to the named serializer (it is cached for that type only).
            _fallback = _serialization.FindSerializerForType(typeof(Unbound), name);
        }

        _bound = [.. config.GetConfig("akka.actor.serialization-bindings").AsEnumerable()
            .Select(b => Type.GetType(b.Key.Trim('"'), throwOnError: false))
            .OfType<Type>()
            .Where(t => t != typeof(object))];
    }

    /// <summary>The serializer id, manifest and bytes of a command or result.</summary>
    public (int Id, string Manifest, byte[] Bytes) Serialize(object value)
    {
        var serializer = For(value.GetType());
        return (serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, value), serializer.ToBinary(value));
    }

    /// <summary>
    /// A command or result from its serializer id, manifest and bytes. An id this system has no
    /// serializer for, a manifest it cannot resolve, or bytes that do not decode throw
    /// <see cref="System.Runtime.Serialization.SerializationException"/> or the serializer's own exception.
    /// </summary>
    public object Deserialize(byte[] bytes, int id, string manifest) => _serialization.Deserialize(bytes, id, manifest);

    public static CommandSerialization Get(ActorSystem system) => system.WithExtension<CommandSerialization, Provider>();

    private Serializer For(Type type) => _byType.GetOrAdd(type, t =>
    {
        var found = _serialization.FindSerializerForType(t);
        return ReferenceEquals(found, _catchAll) && _fallback is not null && !_bound.Any(b => b.IsAssignableFrom(t)) ? _fallback : found;
    });

    private sealed class Unbound;

    private sealed class Provider : ExtensionIdProvider<CommandSerialization>
    {
        public override CommandSerialization CreateExtension(ExtendedActorSystem system) => new(system);
    }
}
