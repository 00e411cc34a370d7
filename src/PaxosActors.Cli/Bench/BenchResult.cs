using System.Text.Json;
using System.Text.Json.Serialization;

namespace PaxosActors.Cli.Bench;

/// <summary>The figures of one `paxos bench` run, as printed and as written with --json.</summary>
internal sealed record BenchResult(
    [property: JsonPropertyName("opsPerSecond")] double OpsPerSecond,
    [property: JsonPropertyName("latencyMs")] LatencyMs LatencyMs,
    [property: JsonPropertyName("peakWorkingSetMb")] double PeakWorkingSetMb,
    [property: JsonPropertyName("groups")] int Groups,
    [property: JsonPropertyName("clients")] int Clients,
    [property: JsonPropertyName("valueSize")] int ValueSize,
    [property: JsonPropertyName("operations")] long Operations,
    [property: JsonPropertyName("failed")] long Failed,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("clientOpsMin")] long ClientOpsMin,
    [property: JsonPropertyName("clientOpsMax")] long ClientOpsMax)
{
    /// <summary>
    /// The bytes of the rows the busiest node's journal wrote while measuring, per committed
    /// command (PaxosActors' SQLite journal only; null for the other plugins).
    /// </summary>
    [JsonPropertyName("writtenBytesPerCommand")]
    public double? WrittenBytesPerCommand { get; init; }

    /// <summary>
    /// The CPU time (user + system) the node processes used while measuring, clients included,
    /// per committed command, in microseconds: the figure to optimise, since it survives a busy
    /// machine better than ops/s.
    /// </summary>
    [JsonPropertyName("cpuMicrosPerCommand")]
    public double? CpuMicrosPerCommand { get; init; }

    /// <summary>The largest node's storage files at the end (null on PostgreSQL).</summary>
    [JsonPropertyName("diskBytesPerNode")]
    public long? DiskBytesPerNode { get; init; }

    /// <summary>The largest node's storage over the run (with --disk-every): seconds since the nodes were started, and bytes.</summary>
    [JsonPropertyName("diskSamples")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<DiskSample>? DiskSamples { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true });

    public override string ToString() =>
        $"{Operations:N0} ops in {Seconds:F1} s: {OpsPerSecond:N0} ops/s; latency p50 {LatencyMs.P50:F2} ms, p95 {LatencyMs.P95:F2} ms, p99 {LatencyMs.P99:F2} ms, max {LatencyMs.Max:F2} ms; " +
        $"failed {Failed}; per client {ClientOpsMin:N0}-{ClientOpsMax:N0} ops; CPU {(CpuMicrosPerCommand is { } c ? $"{c:F0} µs" : "n/a")} per command; peak working set {PeakWorkingSetMb:F0} MB; " +
        $"journal {(WrittenBytesPerCommand is { } w ? $"{w:F0} B" : "n/a")} written per command, disk {(DiskBytesPerNode is { } d ? $"{d / (1024.0 * 1024.0):F1} MB" : "n/a")} per node " +
        $"({Groups} groups, {Clients} clients, {ValueSize} B values, {Mode})";
}

internal sealed record LatencyMs(
    [property: JsonPropertyName("p50")] double P50,
    [property: JsonPropertyName("p95")] double P95,
    [property: JsonPropertyName("p99")] double P99,
    [property: JsonPropertyName("max")] double Max);

/// <summary>The largest node's storage <see cref="Seconds"/> after the nodes were started.</summary>
internal sealed record DiskSample(
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("bytes")] long Bytes);
