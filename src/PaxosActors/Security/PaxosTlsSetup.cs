using Akka.Actor.Setup;

namespace PaxosActors.Security;

/// <summary>What <see cref="PaxosActorSystem"/> hands the identity transport: the TLS settings and the per-connection verdicts.</summary>
public sealed class PaxosTlsSetup : Setup
{
    internal PaxosTlsSetup(TlsSettings settings)
    {
        Settings = settings;
        Peers = new PeerCertificates(settings);
    }

    public TlsSettings Settings { get; }

    internal PeerCertificates Peers { get; }
}
