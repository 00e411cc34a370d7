using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using PaxosActors.Core;

namespace PaxosActors.Security;

/// <summary>
/// Who a certificate says its holder is: a node of a cluster, or a client of it. The name is a
/// URI in the certificate's subject alternative names, <c>urn:paxos-actors:&lt;cluster&gt;:node:&lt;id&gt;</c>
/// or <c>urn:paxos-actors:&lt;cluster&gt;:client:&lt;name&gt;</c> (the cluster id escaped as a URI
/// segment), in the way SPIFFE names workloads.
/// </summary>
public sealed record PeerIdentity(string ClusterId, NodeId? Node, string? Client)
{
    private const string Prefix = "urn:paxos-actors:";
    private const string SubjectAlternativeNameOid = "2.5.29.17";

    public static PeerIdentity ForNode(string clusterId, NodeId node) => new(clusterId, node, null);

    public static PeerIdentity ForClient(string clusterId, string name) => new(clusterId, null, name);

    /// <summary>The URI that names this identity in a certificate.</summary>
    public Uri ToUri() => new(Prefix + Uri.EscapeDataString(ClusterId) + (Node is { } n ? $":node:{n.Value}" : ":client:" + Uri.EscapeDataString(Client!)));

    public override string ToString() => Node is { } n ? $"node {n.Value} of '{ClusterId}'" : $"client '{Client}' of '{ClusterId}'";

    /// <summary>The identity the certificate names, or null when it names none (or more than one).</summary>
    public static PeerIdentity? Of(X509Certificate2 certificate)
    {
        PeerIdentity? found = null;
        foreach (var uri in Uris(certificate))
        {
            if (Parse(uri) is not { } identity)
            {
                continue;
            }

            if (found is not null && found != identity)
            {
                return null;
            }

            found = identity;
        }

        return found;
    }

    /// <summary>The identity a URI names, or null when it is not one of ours or malformed.</summary>
    public static PeerIdentity? Parse(string uri)
    {
        if (!uri.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = uri[Prefix.Length..].Split(':');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[2].Length == 0)
        {
            return null;
        }

        var cluster = Uri.UnescapeDataString(parts[0]);
        return parts[1] switch
        {
            "node" when int.TryParse(parts[2], System.Globalization.NumberStyles.None, null, out var id) && id >= 1 => ForNode(cluster, new NodeId(id)),
            "client" => ForClient(cluster, Uri.UnescapeDataString(parts[2])),
            _ => null,
        };
    }

    private static List<string> Uris(X509Certificate2 certificate)
    {
        var uris = new List<string>();
        if (certificate.Extensions[SubjectAlternativeNameOid] is not { } extension)
        {
            return uris;
        }

        try
        {
            var names = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
            while (names.HasData)
            {
                if (names.PeekTag() == uriTag)
                {
                    uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            uris.Clear();
        }

        return uris;
    }
}
