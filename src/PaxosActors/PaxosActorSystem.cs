using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using PaxosActors.Security;

namespace PaxosActors;

/// <summary>
/// Creates the actor system of a node or client from its HOCON. With <c>paxos-actors.tls.enabled = on</c>
/// it turns on Akka.Remote's TLS with mutual authentication, trusting only what
/// <c>paxos-actors.tls</c> names, and installs the transport that holds every peer to the
/// identity in its certificate. An actor system created any other way runs without TLS.
/// </summary>
public static class PaxosActorSystem
{
    // Akka reads an adapter's type name through HOCON's ToString, which quotes any string with a
    // space in it: the assembly-qualified name must be written without one.
    private static readonly string AdapterType = TypeName(typeof(IdentityTransportProvider));
    private static readonly string TransportType = TypeName(typeof(TlsTransport));

    public static ActorSystem Create(string name, Config config) => ActorSystem.Create(name, Setup(config));

    /// <summary>The setup <see cref="Create"/> uses: add to it what else the system needs (DI, serialization setups).</summary>
    public static ActorSystemSetup Setup(Config config)
    {
        var tls = TlsSettings.Create(config.WithFallback(PaxosExtension.DefaultConfig));
        if (tls is null)
        {
            return ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config));
        }

        var identity = new PaxosTlsSetup(tls);
        var remoting = ConfigurationFactory.ParseString($$"""
            akka.remote.dot-netty.tcp {
              transport-class = "{{TransportType}}"
              applied-adapters = ["{{IdentityTransportProvider.Name}}"]
            }
            akka.remote.adapters.{{IdentityTransportProvider.Name}} = "{{AdapterType}}"
            """);
        return ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(remoting.WithFallback(config)), identity);
    }

    private static string TypeName(Type type) => $"{type.FullName},{type.Assembly.GetName().Name}";
}
