using System.Globalization;
using Akka.Actor;
using Npgsql;
using PaxosActors.Hosting;
using PaxosActors.Security;

namespace PaxosActors.Cli.Bench;

/// <summary>The HOCON of the bench's three nodes, for the chosen storage, and what that storage needs first.</summary>
internal static class BenchNodes
{
    public const int Count = 3;

    public static IReadOnlyList<string> Groups(int groups) => Enumerable.Range(0, groups).Select(g => $"g{g}").ToList();

    /// <summary>
    /// The node that serves client <paramref name="client"/>, and the group it proposes to:
    /// <paramref name="node"/> if set (every client in one node, as the peer harnesses run), else
    /// round-robin over the nodes.
    /// </summary>
    public static (int Node, string Group) ClientPlace(int client, IReadOnlyList<string> groups, int? node = null) =>
        (node ?? (client % Count) + 1, groups[client % groups.Count]);

    public static async Task PrepareStorageAsync(BenchOptions options)
    {
        if (Directory.Exists(options.DataDir))
        {
            Directory.Delete(options.DataDir, recursive: true);
        }

        Directory.CreateDirectory(options.DataDir);
        if (options.Tls)
        {
            var ca = DevCertificates.Create("paxos bench CA");
            DevCertificates.Write(ca.Authority, TlsFolder(options), "ca");
            for (var node = 1; node <= Count; node++)
            {
                DevCertificates.Write(ca.Node("paxos", node), TlsFolder(options), $"node{node}");
            }
        }

        if (options.Storage != BenchStorage.Postgresql)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(options.PostgresConnection + ";Database=postgres");
        await connection.OpenAsync();
        for (var node = 1; node <= Count; node++)
        {
            foreach (var sql in new[] { $"DROP DATABASE IF EXISTS paxos_bench_{node} WITH (FORCE)", $"CREATE DATABASE paxos_bench_{node}" })
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync();
            }
        }
    }

    /// <summary>The bytes of node <paramref name="node"/>'s storage files in the bench's folder (its journal and beside it).</summary>
    public static long DiskBytes(BenchOptions options, int node)
    {
        var folder = new DirectoryInfo(options.DataDir);
        return !folder.Exists ? 0 : folder.EnumerateFileSystemInfos($"node{node.ToString(CultureInfo.InvariantCulture)}.db*")
            .Sum(f => f is DirectoryInfo d ? d.EnumerateFiles("*", SearchOption.AllDirectories).Sum(x => x.Length) : ((FileInfo)f).Length);
    }

    private static string TlsFolder(BenchOptions options) => Path.Combine(options.DataDir, "tls");

    public static string Hocon(int node, IReadOnlyDictionary<int, int> ports, BenchOptions options)
    {
        var storage = options.Storage switch
        {
            BenchStorage.Sqlite => string.Empty,
            BenchStorage.SqliteSql => "akka.persistence.journal.plugin = \"akka.persistence.journal.sql\"",
            _ => $$"""
                akka.persistence.journal.plugin = "akka.persistence.journal.sql"
                akka.persistence.journal.sql { connection-string = "{{options.PostgresConnection}};Database=paxos_bench_{{node.ToString(CultureInfo.InvariantCulture)}}", provider-name = "PostgreSQL.15" }
                """,
        };
        string F(string file) => Path.GetFullPath(Path.Combine(TlsFolder(options), file)).Replace("\\", "/", StringComparison.Ordinal);
        var tls = !options.Tls ? string.Empty : $$"""
            paxos-actors.tls {
              enabled = on
              certificate = "{{F($"node{node}.pem")}}"
              private-key = "{{F($"node{node}.key")}}"
              trust-anchors = "{{F("ca.pem")}}"
            }
            """;
        return LocalNodeConfig.Hocon(node, ports, Path.Combine(options.DataDir, $"node{node}.db"), Groups(options.Groups), $"""
            akka.loglevel = ERROR
            akka.remote.log-remote-lifecycle-events = off
            {storage}
            {tls}
            {options.ExtraHocon}
            """, tls: options.Tls);
    }

    /// <summary>Starts every group on a node with a state machine that only counts.</summary>
    public static async Task<Dictionary<string, IActorRef>> StartGroupsAsync(ActorSystem system, IReadOnlyList<string> groups)
    {
        var refs = new Dictionary<string, IActorRef>();
        foreach (var g in groups)
        {
            refs[g] = await PaxosExtension.Get(system).StartGroupAsync(g, new CountingStateMachine());
            await refs[g].Ask<GroupStatus>(GetGroupStatus.Instance, TimeSpan.FromMinutes(1));
        }

        return refs;
    }

    /// <summary>
    /// Counts what it runs: the benchmark measures consensus, not a state machine. Its count
    /// checkpoints, so a bench or `paxos recovery` run takes checkpoints as a real group would.
    /// </summary>
    private sealed class CountingStateMachine : IStateMachine, ICheckpointable
    {
        private long _count;

        public int Id => 1;

        public object? Execute(long instance, object command) => ++_count;

        public ICheckpointSnapshot Capture() => new Count(_count);

        public void Restore(Stream checkpoint, long instance)
        {
            var bytes = new byte[8];
            checkpoint.ReadExactly(bytes);
            _count = BitConverter.ToInt64(bytes);
        }

        private sealed class Count(long count) : ICheckpointSnapshot
        {
            public void WriteTo(Stream destination) => destination.Write(BitConverter.GetBytes(count));
        }
    }
}
