using System.Net.Security;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using PaxosActors.Core;
using PaxosActors.Security;

namespace PaxosActors.Tests.Security;

/// <summary>
/// <c>paxos-actors.tls</c> read from HOCON, the identities certificates name, and the verdict on
/// a peer's certificate: every mistake in the settings is a ConfigurationException that says
/// which key and why, and every certificate the cluster should not trust is refused.
/// </summary>
public sealed class TlsSettingsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "paxos-tls-" + Guid.NewGuid().ToString("N"));
    private readonly DevCertificates _ca = DevCertificates.Create();

    public TlsSettingsTests()
    {
        DevCertificates.Write(_ca.Authority, _folder, "ca");
        DevCertificates.Write(_ca.Node("paxos", 1), _folder, "node1");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string F(string name) => Path.Combine(_folder, name).Replace("\\", "/", StringComparison.Ordinal);

    private TlsSettings? Read(string tls, string nodes = "") => TlsSettings.Create(ConfigurationFactory.ParseString($$"""
        paxos-actors {
          cluster-id = paxos
          nodes { {{nodes}} }
          tls { {{tls}} }
        }
        """).WithFallback(PaxosExtension.DefaultConfig));

    private string Node1 => $"""enabled = on, certificate = "{F("node1.pem")}", private-key = "{F("node1.key")}", trust-anchors = "{F("ca.pem")}" """;

    private void Refused(string tls, string key, string why)
    {
        var e = Assert.Throws<ConfigurationException>(() => Read(tls));
        Assert.StartsWith($"paxos-actors.tls.{key}:", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Off_by_default_and_read_in_full_when_on()
    {
        Assert.Null(Read(string.Empty));
        var settings = Read(Node1, """1 = "akka.ssl.tcp://paxos@127.0.0.1:9001" """)!;
        Assert.Equal(PeerIdentity.ForNode("paxos", new NodeId(1)), PeerIdentity.Of(settings.Certificate));
        Assert.True(settings.Certificate.HasPrivateKey);
        Assert.Single(settings.TrustAnchors);
        Assert.True(settings.BindIdentity);
        Assert.True(settings.CheckHostname);
        Assert.Equal(new Address("akka.ssl.tcp", "paxos", "127.0.0.1", 9001), settings.Nodes[new NodeId(1)]);
    }

    [Fact]
    public void Each_mistake_names_its_key()
    {
        Refused("enabled = on", "certificate", "needs a PEM file");
        Refused($"""enabled = on, certificate = "{F("missing.pem")}" """, "certificate", "does not exist");
        DevCertificates.Write(_ca.Node("paxos", 2), _folder, "node2");
        Refused($"""enabled = on, certificate = "{F("node1.pem")}", private-key = "{F("node2.key")}", trust-anchors = "{F("ca.pem")}" """, "certificate", "cannot load");
        Refused($"""enabled = on, certificate = "{F("node1.pem")}", private-key = "{F("node1.key")}" """, "trust-anchors", "needs something to trust");
        Refused(Node1 + ", pinned-sha256 = [\"abc\"]", "pinned-sha256", "64 hex digits");
        File.WriteAllText(F("empty.pem"), string.Empty);
        Refused($"""enabled = on, certificate = "{F("node1.pem")}", private-key = "{F("node1.key")}", trust-anchors = "{F("empty.pem")}" """, "trust-anchors", "holds no certificate");
    }

    [Fact]
    public void With_identity_binding_the_own_certificate_must_name_someone_of_this_cluster()
    {
        DevCertificates.Write(_ca.Issue("CN=anonymous", null), _folder, "anonymous");
        DevCertificates.Write(_ca.Node("another", 1), _folder, "foreign");
        var anonymous = $"""enabled = on, certificate = "{F("anonymous.pem")}", private-key = "{F("anonymous.key")}", trust-anchors = "{F("ca.pem")}" """;
        Refused(anonymous, "certificate", "names no identity of cluster 'paxos'");
        Refused($"""enabled = on, certificate = "{F("foreign.pem")}", private-key = "{F("foreign.key")}", trust-anchors = "{F("ca.pem")}" """, "certificate", "names no identity of cluster 'paxos'");
        Assert.False(Read(anonymous + ", bind-identity = off")!.BindIdentity);
    }

    [Fact]
    public void Node_addresses_must_use_the_protocol_tls_on_or_off_gives_them()
    {
        var e = Assert.Throws<ConfigurationException>(() => Read(Node1, """1 = "akka.tcp://paxos@127.0.0.1:9001" """));
        Assert.Contains("must start akka.ssl.tcp://", e.Message, StringComparison.Ordinal);
        var plain = ConfigurationFactory.ParseString("""nodes { 1 = "akka.ssl.tcp://paxos@127.0.0.1:9001" }""");
        Assert.Contains("is a TLS address: turn paxos-actors.tls on", Assert.Throws<ConfigurationException>(() => PaxosSettings.ParseNodes(plain)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("urn:paxos-actors:paxos:node:3", "paxos", 3, null)]
    [InlineData("urn:paxos-actors:my%3Acluster:client:ops%20team", "my:cluster", 0, "ops team")]
    [InlineData("urn:paxos-actors:paxos:node:0", null, 0, null)]
    [InlineData("urn:paxos-actors:paxos:node:-1", null, 0, null)]
    [InlineData("urn:paxos-actors:paxos:node:+1", null, 0, null)]
    [InlineData("urn:paxos-actors:paxos:node:1:2", null, 0, null)]
    [InlineData("urn:paxos-actors::node:1", null, 0, null)]
    [InlineData("urn:paxos-actors:paxos:client:", null, 0, null)]
    [InlineData("urn:paxos-actors:paxos:admin:1", null, 0, null)]
    [InlineData("urn:other:paxos:node:1", null, 0, null)]
    [InlineData("https://node1.example", null, 0, null)]
    public void Identity_uris_parse_exactly(string uri, string? cluster, int node, string? client)
    {
        var identity = PeerIdentity.Parse(uri);
        if (cluster is null)
        {
            Assert.Null(identity);
            return;
        }

        Assert.Equal(new PeerIdentity(cluster, node > 0 ? new NodeId(node) : null, client), identity);
        Assert.Equal(identity, PeerIdentity.Parse(identity!.ToUri().AbsoluteUri));
    }

    [Fact]
    public void A_certificate_naming_two_different_identities_names_none()
    {
        Assert.Equal(PeerIdentity.ForClient("paxos", "ops"), PeerIdentity.Of(_ca.Client("paxos", "ops")));
        Assert.Null(PeerIdentity.Of(_ca.Issue("CN=nobody", null)));
        Assert.Null(PeerIdentity.Of(_ca.Authority));
    }

    [Fact]
    public void A_peer_is_refused_for_a_certificate_of_another_ca_an_expired_one_none_or_one_that_names_nobody()
    {
        var peers = new PeerCertificates(Read(Node1)!);
        var refused = new List<string>();
        peers.Refused += (remote, verdict) => refused.Add($"{remote}: {verdict.Refusal}");
        var log = NoLogger.Instance;

        Assert.True(peers.Validate(_ca.Node("paxos", 2), null, "127.0.0.1:4001", SslPolicyErrors.None, log));
        Assert.Equal(PeerIdentity.ForNode("paxos", new NodeId(2)), peers.VerdictFor(new Address("ssl.tcp", "paxos", "127.0.0.1", 4001), outbound: false)!.Identity);

        Assert.False(peers.Validate(DevCertificates.Create("other").Node("paxos", 2), null, "127.0.0.1:4002", SslPolicyErrors.None, log));
        Assert.False(peers.Validate(_ca.Issue("CN=old", PeerIdentity.ForNode("paxos", new NodeId(2)), DateTimeOffset.UtcNow.AddMinutes(-1)), null, "127.0.0.1:4003", SslPolicyErrors.None, log));
        Assert.False(peers.Validate(null, null, "127.0.0.1:4004", SslPolicyErrors.RemoteCertificateNotAvailable, log));
        Assert.False(peers.Validate(_ca.Issue("CN=nobody", null), null, "127.0.0.1:4005", SslPolicyErrors.None, log));
        Assert.False(peers.Validate(_ca.Node("another", 2), null, "127.0.0.1:4006", SslPolicyErrors.None, log));
        Assert.Equal(5, refused.Count);
        Assert.Contains("127.0.0.1:4002: its certificate 'CN=node-2' is neither signed by a trust anchor nor pinned, or is outside its validity", refused);
        Assert.Contains("127.0.0.1:4004: it presented no certificate", refused);
        Assert.Contains("127.0.0.1:4006: its certificate 'CN=node-2' names no node or client of cluster 'paxos'", refused);
    }

    [Fact]
    public void Dialing_out_every_verdict_is_let_through_the_handshake_and_kept_for_the_transport()
    {
        var peers = new PeerCertificates(Read(Node1)!);
        var dialed = new Address("ssl.tcp", "paxos", "127.0.0.1", 9002);
        Assert.True(peers.Validate(DevCertificates.Create("other").Node("paxos", 2), null, dialed.ToString(), SslPolicyErrors.None, NoLogger.Instance));
        Assert.NotNull(peers.VerdictFor(dialed, outbound: true)!.Refusal);

        // The name it was dialed by must be in the certificate, unless check-hostname is off.
        Assert.True(peers.Validate(_ca.Node("paxos", 2), null, dialed.ToString(), SslPolicyErrors.RemoteCertificateNameMismatch, NoLogger.Instance));
        Assert.Contains("does not name the host dialed", peers.VerdictFor(dialed, outbound: true)!.Refusal, StringComparison.Ordinal);
        var lenient = new PeerCertificates(Read(Node1 + ", check-hostname = off")!);
        Assert.True(lenient.Validate(_ca.Node("paxos", 2), null, dialed.ToString(), SslPolicyErrors.RemoteCertificateNameMismatch, NoLogger.Instance));
        Assert.Null(lenient.VerdictFor(dialed, outbound: true)!.Refusal);
    }

    [Fact]
    public void A_pinned_certificate_is_trusted_without_a_ca()
    {
        var self = DevCertificates.Create("self-signed");
        var peer = self.Node("paxos", 2);
        var pin = peer.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var settings = Read($"""enabled = on, certificate = "{F("node1.pem")}", private-key = "{F("node1.key")}", pinned-sha256 = ["{pin}"] """)!;
        var peers = new PeerCertificates(settings);
        Assert.True(peers.Validate(peer, null, "127.0.0.1:4010", SslPolicyErrors.RemoteCertificateChainErrors, NoLogger.Instance));
        Assert.False(peers.Validate(self.Node("paxos", 3), null, "127.0.0.1:4011", SslPolicyErrors.RemoteCertificateChainErrors, NoLogger.Instance));
    }
}
