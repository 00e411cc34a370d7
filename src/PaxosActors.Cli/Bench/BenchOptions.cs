namespace PaxosActors.Cli.Bench;

/// <summary>Where the nodes of a bench keep acceptor state.</summary>
internal enum BenchStorage
{
    /// <summary>PaxosActors' SQLite journal, one file per node (the default).</summary>
    Sqlite,

    /// <summary>Akka.Persistence.Sql on the same kind of SQLite file, for comparison.</summary>
    SqliteSql,

    /// <summary>Akka.Persistence.Sql on PostgreSQL, one database per node.</summary>
    Postgresql,
}

/// <summary>What `paxos bench` runs.</summary>
internal sealed record BenchOptions(int Groups, int Clients, int ValueSize, TimeSpan Duration, TimeSpan Warmup, string DataDir, string? JsonFile)
{
    /// <summary>Nodes as ActorSystems of this process instead of separate processes.</summary>
    public bool InProcess { get; init; }

    /// <summary>Clients send BatchPropose (explicit batching) instead of Propose.</summary>
    public bool Batch { get; init; }

    /// <summary>Stop each client after its share of this many proposals instead of after the duration.</summary>
    public long? Operations { get; init; }

    public BenchStorage Storage { get; init; } = BenchStorage.Sqlite;

    /// <summary>PostgreSQL server and credentials; each node gets database paxos_bench_N (recreated).</summary>
    public string PostgresConnection { get; init; } = "Host=127.0.0.1;Port=5432;Username=paxos;Password=paxos";

    /// <summary>Extra HOCON for every node (e.g. paxos-actors.forward-to-leader = off).</summary>
    public string ExtraHocon { get; init; } = string.Empty;

    /// <summary>Print and record the largest node's storage this often while the load runs (null: only at the end).</summary>
    public TimeSpan? DiskEvery { get; init; }

    /// <summary>The nodes speak mutual TLS, with certificates from a development CA made in the data folder.</summary>
    public bool Tls { get; init; }

    /// <summary>Every client runs in this node (1–3), as the peer harnesses put theirs in node 1; null: spread round-robin.</summary>
    public int? ClientNode { get; init; }

    /// <summary>Clients propose records (<see cref="BenchOrder"/>) instead of byte arrays.</summary>
    public bool Objects { get; init; }
}
