using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PaxosActors.Core;

namespace PaxosActors.Security;

/// <summary>
/// A development certificate authority and the certificates it signs for nodes and clients
/// (ECDSA P-256, each naming its holder as <see cref="PeerIdentity"/> requires, valid for
/// 127.0.0.1 and localhost). For trying TLS on one machine and for tests, never for production:
/// the CA's key sits next to the certificates.
/// </summary>
public sealed class DevCertificates
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1"), ClientAuth = new("1.3.6.1.5.5.7.3.2");

    private DevCertificates(X509Certificate2 ca) => Authority = ca;

    /// <summary>The CA certificate, with its key.</summary>
    public X509Certificate2 Authority { get; }

    public static DevCertificates Create(string name = "PaxosActors development CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return new DevCertificates(request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(2)));
    }

    /// <summary>A certificate for node <paramref name="node"/> of <paramref name="clusterId"/>.</summary>
    public X509Certificate2 Node(string clusterId, int node) => Issue($"CN=node-{node}", PeerIdentity.ForNode(clusterId, new NodeId(node)));

    /// <summary>A certificate for a client named <paramref name="name"/> of <paramref name="clusterId"/>.</summary>
    public X509Certificate2 Client(string clusterId, string name) => Issue($"CN={name}", PeerIdentity.ForClient(clusterId, name));

    /// <summary>A certificate signed by this CA for <paramref name="identity"/> (null: one that names nobody).</summary>
    public X509Certificate2 Issue(string subject, PeerIdentity? identity, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuth, ClientAuth], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Authority, true, false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        if (identity is not null)
        {
            names.AddUri(identity.ToUri());
        }

        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(Authority, now.AddMinutes(-5), notAfter ?? now.AddYears(1), serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>Writes <paramref name="certificate"/> to <c>&lt;name&gt;.pem</c> and its key to <c>&lt;name&gt;.key</c> in <paramref name="folder"/>.</summary>
    public static void Write(X509Certificate2 certificate, string folder, string name)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, name + ".pem"), certificate.ExportCertificatePem());
        if (certificate.GetECDsaPrivateKey() is { } key)
        {
            var file = Path.Combine(folder, name + ".key");
            File.WriteAllText(file, key.ExportPkcs8PrivateKeyPem());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
    }

    /// <summary>
    /// <c>paxos dev-certs</c>: a new CA (ca.pem, ca.key), node1..nodeN and a client certificate
    /// in <paramref name="folder"/>, where <c>hocon/tls/</c> expects them.
    /// </summary>
    public static int Run(string folder, string clusterId, int nodes, string client, TextWriter output)
    {
        var ca = Create();
        Write(ca.Authority, folder, "ca");
        for (var n = 1; n <= nodes; n++)
        {
            Write(ca.Node(clusterId, n), folder, $"node{n}");
        }

        Write(ca.Client(clusterId, client), folder, "client");
        output.WriteLine($"wrote a development CA, {nodes} node certificates and client '{client}' of cluster '{clusterId}' to {Path.GetFullPath(folder)}");
        return 0;
    }
}
