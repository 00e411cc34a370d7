using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Akka.Actor;
using PaxosActors.Core;

namespace PaxosActors.Hosting;

/// <summary>
/// One "PaxosActors" meter per ActorSystem, its scope the system, disposed when the system
/// terminates: a listener (OpenTelemetry, dotnet-counters, a test) sees each node's counts apart,
/// tagged by group and node.
/// </summary>
public static class NodeMetrics
{
    private static readonly ConditionalWeakTable<ActorSystem, Breakpoints> Meters = [];

    /// <summary>The breakpoints of <paramref name="system"/>, untagged; <see cref="Breakpoints.For"/> tags them.</summary>
    public static Breakpoints For(ActorSystem system) => Meters.GetValue(system, s =>
    {
        var meter = new Meter(new MeterOptions(Breakpoints.MeterName) { Scope = s });
        s.RegisterOnTermination(meter.Dispose);
        return new Breakpoints(meter);
    });
}
