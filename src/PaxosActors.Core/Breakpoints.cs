using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace PaxosActors.Core;

/// <summary>
/// Every protocol branch counts (PhxPaxos's breakpoints), as System.Diagnostics.Metrics
/// counters on the "PaxosActors" meter: visible to dotnet-counters and OpenTelemetry.
/// </summary>
public static class Breakpoints
{
    public const string MeterName = "PaxosActors";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<string, Counter<long>> Counters = new();

    public static void Count(string name, long delta = 1) =>
        Counters.GetOrAdd(name, n => Meter.CreateCounter<long>("paxos." + n)).Add(delta);
}
