using System.Diagnostics.Metrics;
using Akka.Actor;
using PaxosActors.Core;
using PaxosActors.TestKit;

namespace PaxosActors.Tests;

/// <summary>
/// Listens to PaxosActors' counters of the nodes a test runs, and only theirs: each node counts
/// on its own meter (its scope is the node's ActorSystem), so a test never passes on the counts
/// of another test running beside it.
/// </summary>
public sealed class CounterProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _counts;
    private readonly List<(Func<Dictionary<string, long>, bool> Done, TaskCompletionSource Reached)> _waiting = [];

    private CounterProbe(Func<ActorSystem, bool> ours, string[] names)
    {
        _counts = names.ToDictionary(n => n, _ => 0L);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Breakpoints.MeterName && instrument.Meter.Scope is ActorSystem system && ours(system) && _counts.ContainsKey(instrument.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            lock (_counts)
            {
                _counts[instrument.Name] += value;
                Notify();
            }
        });
        _listener.Start();
    }

    /// <summary>The counts of one node's system.</summary>
    public static CounterProbe For(ActorSystem system, params string[] names) => new(s => s == system, names);

    /// <summary>The counts of a test cluster's nodes, restarted ones included (told apart by their ports).</summary>
    public static CounterProbe For(PaxosTestCluster cluster, params string[] names)
    {
        var ports = cluster.Nodes.Select(cluster.Port).ToHashSet();
        return new(s => s.Name == Hosting.LocalNodeConfig.SystemName && ((ExtendedActorSystem)s).Provider.DefaultAddress.Port is { } port && ports.Contains(port), names);
    }

    public Dictionary<string, long> Snapshot()
    {
        lock (_counts)
        {
            return new Dictionary<string, long>(_counts);
        }
    }

    /// <summary>Completes when the counts satisfy <paramref name="done"/>; each new measurement re-checks it.</summary>
    public async Task WaitAsync(Func<Dictionary<string, long>, bool> done, TimeSpan ceiling)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_counts)
        {
            _waiting.Add((done, reached));
            Notify();
        }

        try
        {
            await reached.Task.WaitAsync(ceiling);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException("Counters did not reach the expected values: " + string.Join(", ", Snapshot().Select(c => $"{c.Key}={c.Value}")));
        }
    }

    private void Notify()
    {
        foreach (var w in _waiting.Where(w => w.Done(new Dictionary<string, long>(_counts))).ToList())
        {
            _waiting.Remove(w);
            w.Reached.TrySetResult();
        }
    }

    public void Dispose() => _listener.Dispose();
}
