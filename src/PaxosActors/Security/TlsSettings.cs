using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Configuration;
using PaxosActors.Core;

namespace PaxosActors.Security;

/// <summary>
/// The validated <c>paxos-actors.tls</c> section: this process's certificate and key, what it
/// trusts (a CA bundle, pinned certificates, or both), and whether a peer's certificate binds
/// the node it may speak for. A bad value fails fast with a <see cref="ConfigurationException"/>.
/// </summary>
public sealed record TlsSettings
{
    private const string Section = PaxosSettings.Section + ".tls";

    /// <summary>This process's certificate, with its private key.</summary>
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>The certificate authorities whose certificates are trusted (may be empty when <see cref="Pins"/> is not).</summary>
    public required X509Certificate2Collection TrustAnchors { get; init; }

    /// <summary>SHA-256 thumbprints (hex) of certificates trusted as they are.</summary>
    public required IReadOnlySet<string> Pins { get; init; }

    /// <summary>When dialing a host, its certificate must name that host (a DNS or IP subject alternative name).</summary>
    public required bool CheckHostname { get; init; }

    /// <summary>A certificate names its holder (<see cref="PeerIdentity"/>), and only node N's certificate may speak from node N's address.</summary>
    public required bool BindIdentity { get; init; }

    public required string ClusterId { get; init; }

    public required IReadOnlyDictionary<NodeId, Address> Nodes { get; init; }

    /// <summary>The settings under <c>paxos-actors.tls</c> of <paramref name="root"/>, or null when TLS is off.</summary>
    public static TlsSettings? Create(Config root)
    {
        var paxos = root.GetConfig(PaxosSettings.Section);
        var c = paxos?.GetConfig("tls");
        if (paxos is null || c is null || !c.GetBoolean("enabled", false))
        {
            return null;
        }

        var certificateFile = Existing(c, "certificate");
        var keyFile = c.GetString("private-key", string.Empty) is { Length: > 0 } k ? k : certificateFile;
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException)
        {
            throw new ConfigurationException($"{Section}.certificate: cannot load '{certificateFile}' with key '{keyFile}': {e.Message}");
        }

        var anchors = new X509Certificate2Collection();
        if (c.GetString("trust-anchors", string.Empty) is { Length: > 0 })
        {
            var file = Existing(c, "trust-anchors");
            try
            {
                anchors.ImportFromPemFile(file);
            }
            catch (CryptographicException e)
            {
                throw new ConfigurationException($"{Section}.trust-anchors: cannot read '{file}': {e.Message}");
            }

            Require(anchors.Count > 0, "trust-anchors", $"'{file}' holds no certificate");
        }

        var pins = c.GetStringList("pinned-sha256").Select(p => p.Replace(":", string.Empty, StringComparison.Ordinal).ToUpperInvariant()).ToHashSet();
        Require(pins.All(p => p.Length == 64 && p.All(char.IsAsciiHexDigit)), "pinned-sha256", "each pin is a certificate's SHA-256 thumbprint, 64 hex digits");
        Require(anchors.Count > 0 || pins.Count > 0, "trust-anchors", "TLS needs something to trust: a CA bundle here, or pinned-sha256");

        var clusterId = paxos.GetString("cluster-id", string.Empty);
        var bind = c.GetBoolean("bind-identity", true);
        if (bind)
        {
            var own = PeerIdentity.Of(certificate);
            Require(own is not null && own.ClusterId == clusterId, "certificate", $"'{certificateFile}' names no identity of cluster '{clusterId}' (a subject alternative name URI like {PeerIdentity.ForNode(clusterId, new NodeId(1)).ToUri()}); with bind-identity = off any trusted certificate will do");
        }

        return new TlsSettings
        {
            Certificate = certificate,
            TrustAnchors = anchors,
            Pins = pins,
            CheckHostname = c.GetBoolean("check-hostname", true),
            BindIdentity = bind,
            ClusterId = clusterId,
            Nodes = PaxosSettings.ParseNodes(paxos),
        };
    }

    private static string Existing(Config c, string key)
    {
        var file = c.GetString(key, string.Empty);
        Require(file.Length > 0, key, "needs a PEM file");
        Require(File.Exists(file), key, $"'{file}' does not exist (relative paths are from {Environment.CurrentDirectory})");
        return file;
    }

    private static void Require(bool ok, string key, string what)
    {
        if (!ok)
        {
            throw new ConfigurationException($"{Section}.{key}: {what}.");
        }
    }
}
