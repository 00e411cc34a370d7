using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using PaxosActors.Remoting;
using PaxosActors.Security;

namespace PaxosActors;

/// <summary>
/// Creates the actor system of a node or client from its HOCON. It puts Akka.Remote on
/// PaxosActors' own TCP transport (<see cref="StreamTransport"/>), unless
/// <c>paxos-actors.transport = akka</c> keeps Akka's DotNetty one. With
/// <c>paxos-actors.tls.enabled = on</c> that transport speaks mutual TLS, trusting only what
/// <c>paxos-actors.tls</c> names, and the identity transport holds every peer to the identity in
/// its certificate. An actor system created any other way runs on DotNetty without TLS.
/// </summary>
public static class PaxosActorSystem
{
    // Akka reads an adapter's type name through HOCON's ToString, which quotes any string with a
    // space in it: the assembly-qualified name must be written without one.
    private static readonly string AdapterType = TypeName(typeof(IdentityTransportProvider));
    private static readonly string TransportType = TypeName(typeof(StreamTransport));

    public static ActorSystem Create(string name, Config config) => ActorSystem.Create(name, Setup(config));

    /// <summary>The setup <see cref="Create"/> uses: add to it what else the system needs (DI, serialization setups).</summary>
    public static ActorSystemSetup Setup(Config config)
    {
        var (full, tls) = Parts(config);
        var bootstrap = BootstrapSetup.Create().WithConfig(full);
        return tls is null ? ActorSystemSetup.Create(bootstrap) : ActorSystemSetup.Create(bootstrap, tls);
    }

    /// <summary>
    /// What an ActorSystem needs for PaxosActors, for hosts that create the system themselves
    /// (Akka.Hosting): <paramref name="config"/> with the transport's settings over it, and the
    /// TLS setup when <c>paxos-actors.tls</c> is on.
    /// </summary>
    public static (Config Config, Setup? Tls) Parts(Config config)
    {
        var full = config.WithFallback(PaxosExtension.DefaultConfig);
        var transport = full.GetString("paxos-actors.transport", "paxos");
        var tls = TlsSettings.Create(full);
        if (transport is not ("paxos" or "akka"))
        {
            throw new ConfigurationException($"paxos-actors.transport must be \"paxos\" or \"akka\", not \"{transport}\".");
        }

        if (tls is not null && transport == "akka")
        {
            throw new ConfigurationException("paxos-actors.tls needs paxos-actors.transport = paxos: Akka's DotNetty TLS stops the whole node when an outbound handshake fails.");
        }

        if (transport == "akka")
        {
            return (config, null);
        }

        var ours = ConfigurationFactory.ParseString($$"""akka.remote.dot-netty.tcp.transport-class = "{{TransportType}}" """);
        if (tls is null)
        {
            return (ours.WithFallback(config), null);
        }

        var remoting = ConfigurationFactory.ParseString($$"""
            akka.remote.dot-netty.tcp.applied-adapters = ["{{IdentityTransportProvider.Name}}"]
            akka.remote.adapters.{{IdentityTransportProvider.Name}} = "{{AdapterType}}"
            """);
        return (remoting.WithFallback(ours).WithFallback(config), new PaxosTlsSetup(tls));
    }

    private static string TypeName(Type type) => $"{type.FullName},{type.Assembly.GetName().Name}";
}
