namespace PaxosActors.Cli.Bench;

/// <summary>What `paxos bench` runs.</summary>
internal sealed record BenchOptions(int Groups, int Clients, int ValueSize, TimeSpan Duration, TimeSpan Warmup, string DataDir, string? JsonFile);
