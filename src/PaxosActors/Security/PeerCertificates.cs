using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Event;

namespace PaxosActors.Security;

/// <summary>What the TLS handshake showed of a peer: its identity, or why it is refused.</summary>
internal sealed record PeerVerdict(PeerIdentity? Identity, string? Refusal, string Subject);

/// <summary>
/// Judges peers' certificates during the TLS handshake and remembers the verdict per
/// connection, for <see cref="IdentityTransport"/> to hold each frame on it to. A certificate is
/// trusted when it chains to one of the trust anchors or is pinned; with identity binding on it
/// must also name a node or client of this cluster.
/// </summary>
internal sealed class PeerCertificates(TlsSettings settings)
{
    private readonly ConcurrentDictionary<string, PeerVerdict> _verdicts = new();

    public TlsSettings Settings { get; } = settings;

    /// <summary>An inbound connection refused in its TLS handshake: the peer's TCP endpoint and the verdict.</summary>
    public event Action<string, PeerVerdict>? Refused;

    /// <summary>
    /// The callback <see cref="Remoting.StreamTransport"/> runs on both ends of a handshake. An inbound
    /// connection with a bad certificate is refused here. An outbound one is let through and
    /// refused by <see cref="IdentityTransport"/> on its first frame, where the refusal is
    /// logged, counted and published as for an inbound one.
    /// </summary>
    public bool Validate(X509Certificate2? certificate, X509Chain? chain, string remotePeer, SslPolicyErrors errors, ILoggingAdapter log)
    {
        // Outbound, the transport passes the address it dialed ("ssl.tcp://sys@host:port");
        // inbound, the TCP endpoint the connection came from ("host:port").
        var outbound = remotePeer.Contains("://", StringComparison.Ordinal);
        var verdict = Judge(certificate, chain, outbound && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0);
        if (outbound)
        {
            _verdicts[OutboundKey(remotePeer)] = verdict;
            return true;
        }

        if (verdict.Refusal is not null)
        {
            Refused?.Invoke(remotePeer, verdict);
            return false;
        }

        if (InboundKey(remotePeer) is { } key)
        {
            _verdicts[key] = verdict;
        }

        return true;
    }

    /// <summary>The verdict on the connection a handle stands for, or null when no handshake judged it.</summary>
    public PeerVerdict? VerdictFor(Address remote, bool outbound) =>
        (outbound ? OutboundKey(remote.ToString()) : InboundKey(remote.Host, remote.Port)) is { } key && _verdicts.TryGetValue(key, out var v) ? v : null;

    /// <summary>Forgets an inbound connection's verdict (its port may be reused by another peer).</summary>
    public void Forget(Address remote)
    {
        if (InboundKey(remote.Host, remote.Port) is { } key)
        {
            _verdicts.TryRemove(key, out _);
        }
    }

    private PeerVerdict Judge(X509Certificate2? certificate, X509Chain? chain, bool nameMismatch)
    {
        if (certificate is null)
        {
            return new PeerVerdict(null, "it presented no certificate", "none");
        }

        var subject = certificate.Subject;
        if (!Trusted(certificate, chain))
        {
            return new PeerVerdict(null, $"its certificate '{subject}' is neither signed by a trust anchor nor pinned, or is outside its validity", subject);
        }

        if (nameMismatch && Settings.CheckHostname)
        {
            return new PeerVerdict(null, $"its certificate '{subject}' does not name the host dialed (check-hostname is on)", subject);
        }

        var identity = PeerIdentity.Of(certificate);
        if (Settings.BindIdentity && (identity is null || identity.ClusterId != Settings.ClusterId))
        {
            return new PeerVerdict(null, $"its certificate '{subject}' names no node or client of cluster '{Settings.ClusterId}'", subject);
        }

        return new PeerVerdict(identity, null, subject);
    }

    private bool Trusted(X509Certificate2 certificate, X509Chain? presented)
    {
        var now = DateTime.Now;
        if (Settings.Pins.Contains(certificate.GetCertHashString(HashAlgorithmName.SHA256)) && certificate.NotBefore <= now && now <= certificate.NotAfter)
        {
            return true;
        }

        if (Settings.TrustAnchors.Count == 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Settings.TrustAnchors);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate);
    }

    private static string OutboundKey(string dialed) => "out " + dialed;

    private static string? InboundKey(string remotePeer) =>
        IPEndPoint.TryParse(remotePeer, out var endpoint) ? InboundKey(endpoint.Address.ToString(), endpoint.Port) : null;

    private static string? InboundKey(string? host, int? port)
    {
        if (host is null || port is null || !IPAddress.TryParse(host.Trim('[', ']'), out var ip))
        {
            return null;
        }

        return $"in {(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip)}:{port}";
    }
}
