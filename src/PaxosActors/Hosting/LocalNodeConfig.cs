using System.Globalization;
using System.Text;
using Akka.Configuration;

namespace PaxosActors.Hosting;

/// <summary>
/// HOCON for a node on 127.0.0.1 with a SQLite journal file: what the demo, the tests and the
/// <c>hocon/</c> examples use. Real deployments write the same sections by hand.
/// </summary>
public static class LocalNodeConfig
{
    public const string SystemName = "paxos";

    /// <param name="nodeId">This node's id.</param>
    /// <param name="ports">Every node's id and TCP port on 127.0.0.1.</param>
    /// <param name="sqliteFile">This node's journal file.</param>
    /// <param name="groups">Groups whose members are all the nodes in <paramref name="ports"/>.</param>
    /// <param name="extra">HOCON that overrides the rest (timeouts, log level, ...).</param>
    /// <param name="followers">Nodes of <paramref name="ports"/> that follow the groups instead of voting: follower id → followed member id.</param>
    /// <param name="tls">Whether the nodes speak TLS (addresses <c>akka.ssl.tcp://</c>); the certificates go in <paramref name="extra"/>, under <c>paxos-actors.tls</c>.</param>
    /// <param name="members">The groups' configured members; null: every node of <paramref name="ports"/> that does not follow.</param>
    public static Config Create(int nodeId, IReadOnlyDictionary<int, int> ports, string sqliteFile, IEnumerable<string> groups, string extra = "", IReadOnlyDictionary<int, int>? followers = null, bool tls = false, IEnumerable<int>? members = null) =>
        ConfigurationFactory.ParseString(Hocon(nodeId, ports, sqliteFile, groups, extra, followers, tls, members));

    /// <summary>The text of <see cref="Create"/>, to write to a file for a node process.</summary>
    public static string Hocon(int nodeId, IReadOnlyDictionary<int, int> ports, string sqliteFile, IEnumerable<string> groups, string extra = "", IReadOnlyDictionary<int, int>? followers = null, bool tls = false, IEnumerable<int>? members = null)
    {
        var protocol = tls ? "akka.ssl.tcp" : "akka.tcp";
        followers ??= new Dictionary<int, int>();
        var file = Path.GetFullPath(sqliteFile).Replace("\\", "/", StringComparison.Ordinal);
        var connection = "Data Source=" + file;
        var voting = string.Join(", ", (members ?? ports.Keys.Where(k => !followers.ContainsKey(k))).Order().Select(k => k.ToString(CultureInfo.InvariantCulture)));
        var following = string.Join(", ", followers.Select(f => $"{f.Key} = {f.Value}"));
        var hocon = new StringBuilder();
        hocon.AppendLine($$"""
            akka {
              loglevel = WARNING
              actor.provider = remote
              # On loopback a restarted node comes back at once: do not gate it for the default 5 s.
              remote.retry-gate-closed-for = 1s
              remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{ports[nodeId]}} }
              persistence {
                journal.plugin = "paxos-actors.sqlite-journal"
                # Akka.Persistence.Sql on the same file, for comparison: set journal.plugin to it.
                journal.sql { connection-string = "{{connection}}", provider-name = "SQLite.MS" }
                # Acceptors take no snapshots: their state is small and their log is the journal.
                snapshot-store.plugin = "akka.persistence.no-snapshot-store"
              }
            }
            paxos-actors {
              node-id = {{nodeId}}
              sqlite-journal.path = "{{file}}"
              nodes {
            """);
        foreach (var (id, port) in ports.OrderBy(p => p.Key))
        {
            hocon.AppendLine(CultureInfo.InvariantCulture, $"    {id} = \"{protocol}://{SystemName}@127.0.0.1:{port}\"");
        }

        hocon.AppendLine("  }\n  groups {");
        foreach (var g in groups)
        {
            hocon.AppendLine(CultureInfo.InvariantCulture, $"    {g} {{\n      members = [{voting}]\n      followers {{ {following} }}\n    }}");
        }

        hocon.AppendLine("  }\n}");
        hocon.AppendLine(extra);
        return hocon.ToString();
    }

    /// <summary>Free TCP ports on 127.0.0.1 for <paramref name="count"/> nodes, by node id from 1.</summary>
    public static IReadOnlyDictionary<int, int> FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select((l, i) => (Id: i + 1, Port: ((System.Net.IPEndPoint)l.LocalEndpoint).Port)).ToDictionary(p => p.Id, p => p.Port);
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
