using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Akka.Actor;
using PaxosActors.Core;

namespace PaxosActors.Hosting;

/// <summary>
/// One "PaxosActors" meter per ActorSystem, its scope the system, disposed when the system
/// terminates: a listener (OpenTelemetry, dotnet-counters, a test) sees each node's counts apart,
/// tagged by group and node, or by node alone for what a node counts outside its groups (the
/// journal, the transport, the wire); a client's system (no node id) counts untagged.
/// </summary>
public static class NodeMetrics
{
    private static readonly ConditionalWeakTable<ActorSystem, Breakpoints> Meters = [];

    /// <summary>The breakpoints of <paramref name="system"/>, tagged with its node (if it is one); <see cref="Breakpoints.For(string, NodeId)"/> tags them with a group.</summary>
    public static Breakpoints For(ActorSystem system) => Meters.GetValue(system, s =>
    {
        var meter = new Meter(new MeterOptions(Breakpoints.MeterName) { Scope = s });
        s.RegisterOnTermination(meter.Dispose);
        var node = s.Settings.Config.GetInt("paxos-actors.node-id", 0);
        return node > 0 ? new Breakpoints(meter).For(new NodeId(node)) : new Breakpoints(meter);
    });
}
