using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace PaxosActors.Core;

/// <summary>
/// Every protocol branch counts (PhxPaxos's breakpoints), as System.Diagnostics.Metrics
/// counters named <c>paxos.&lt;role&gt;.&lt;outcome&gt;</c> on a meter named "PaxosActors":
/// visible to dotnet-counters and OpenTelemetry. The host injects an instance per node and
/// group (<see cref="For(string, NodeId)"/>), so every measurement carries the <c>group</c> and <c>node</c> tags
/// and a listener can tell one node's meter from another's by its scope.
/// </summary>
internal sealed class Breakpoints
{
    public const string MeterName = "PaxosActors";

    private readonly Meter _meter;
    private readonly ConcurrentDictionary<string, Counter<long>> _counters;
    private readonly ConcurrentDictionary<string, Histogram<double>> _histograms;
    private readonly KeyValuePair<string, object?>[] _tags;

    /// <summary>Counts on <paramref name="meter"/>, without tags.</summary>
    public Breakpoints(Meter meter)
        : this(meter, new ConcurrentDictionary<string, Counter<long>>(), new ConcurrentDictionary<string, Histogram<double>>(), [])
    {
    }

    private Breakpoints(Meter meter, ConcurrentDictionary<string, Counter<long>> counters, ConcurrentDictionary<string, Histogram<double>> histograms, KeyValuePair<string, object?>[] tags)
    {
        _meter = meter;
        _counters = counters;
        _histograms = histograms;
        _tags = tags;
    }

    /// <summary>
    /// Counts without tags on a process-wide meter: what a role built without its host's
    /// breakpoints (a unit test, the simulator) counts on.
    /// </summary>
    public static Breakpoints Untagged { get; } = new(new Meter(MeterName));

    /// <summary>The same meter, each count tagged with the group and the node.</summary>
    public Breakpoints For(string group, NodeId node) =>
        new(_meter, _counters, _histograms, [new("group", group), new("node", node.Value)]);

    /// <summary>The same meter, each count tagged with the node only: what a node counts outside any group.</summary>
    public Breakpoints For(NodeId node) =>
        new(_meter, _counters, _histograms, [new("node", node.Value)]);

    public void Count(string name, long delta = 1) =>
        _counters.GetOrAdd(name, n => _meter.CreateCounter<long>("paxos." + n)).Add(delta, _tags);

    /// <summary>Records a duration in milliseconds in the histogram <c>paxos.&lt;name&gt;</c>.</summary>
    public void Record(string name, double milliseconds) =>
        _histograms.GetOrAdd(name, n => _meter.CreateHistogram<double>("paxos." + n, unit: "ms")).Record(milliseconds, _tags);
}
