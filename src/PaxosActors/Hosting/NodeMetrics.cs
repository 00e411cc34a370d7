using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Akka.Actor;
using PaxosActors.Core;

namespace PaxosActors.Hosting;

/// <summary>
/// One "PaxosActors" meter per ActorSystem, its scope the system, disposed when the system
/// terminates: a listener (OpenTelemetry, dotnet-counters, a test) sees each node's counts apart,
/// tagged by group and node, or by node alone for what a node counts outside its groups (the
/// journal, the transport, the wire); a client's system (no node id) counts untagged. The
/// meter also carries each group's queue depths as gauges.
/// </summary>
internal static class NodeMetrics
{
    private static readonly ConditionalWeakTable<ActorSystem, NodeMeter> Meters = [];

    /// <summary>The breakpoints of <paramref name="system"/>, tagged with its node (if it is one); <see cref="Breakpoints.For(string, NodeId)"/> tags them with a group.</summary>
    public static Breakpoints For(ActorSystem system) => Of(system).Breakpoints;

    /// <summary>The queue depths of one group on this node, read by the gauges until disposed.</summary>
    internal static QueueGauge Queue(ActorSystem system, string group, NodeId node)
    {
        var meter = Of(system);
        var gauge = new QueueGauge(group, node, g => meter.Queues.TryRemove(g, out _));
        meter.Queues[gauge] = 0;
        return gauge;
    }

    private static NodeMeter Of(ActorSystem system) => Meters.GetValue(system, s =>
    {
        var meter = new Meter(new MeterOptions(Breakpoints.MeterName) { Scope = s });
        s.RegisterOnTermination(meter.Dispose);
        var node = s.Settings.Config.GetInt("paxos-actors.node-id", 0);
        var result = new NodeMeter(node > 0 ? new Breakpoints(meter).For(new NodeId(node)) : new Breakpoints(meter));
        meter.CreateObservableGauge("paxos.queue.local", () => result.Queues.Keys.Select(q => new Measurement<long>(q.Local, q.Tags)), description: "Callers' commands waiting at this node for their result");
        meter.CreateObservableGauge("paxos.queue.handed_over", () => result.Queues.Keys.Select(q => new Measurement<long>(q.HandedOver, q.Tags)), description: "Other nodes' commands this node holds to propose");
        return result;
    });

    private sealed class NodeMeter(Breakpoints breakpoints)
    {
        public Breakpoints Breakpoints { get; } = breakpoints;

        public ConcurrentDictionary<QueueGauge, byte> Queues { get; } = new();
    }
}

/// <summary>A group's queue depths on one node: the proposer actor sets them, the gauges read them.</summary>
internal sealed class QueueGauge(string group, NodeId node, Action<QueueGauge> remove) : IDisposable
{
    private long _local;
    private long _handedOver;

    public KeyValuePair<string, object?>[] Tags { get; } = [new("group", group), new("node", node.Value)];

    public long Local => Volatile.Read(ref _local);

    public long HandedOver => Volatile.Read(ref _handedOver);

    public void Set(long local, long handedOver)
    {
        Volatile.Write(ref _local, local);
        Volatile.Write(ref _handedOver, handedOver);
    }

    public void Dispose() => remove(this);
}
