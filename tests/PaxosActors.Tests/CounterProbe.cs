using System.Diagnostics.Metrics;
using PaxosActors.Core;

namespace PaxosActors.Tests;

/// <summary>Listens to PaxosActors' counters (process-wide, so it waits for at least what it expects).</summary>
public sealed class CounterProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _counts;
    private readonly List<(Func<Dictionary<string, long>, bool> Done, TaskCompletionSource Reached)> _waiting = [];

    public CounterProbe(params string[] names)
    {
        _counts = names.ToDictionary(n => n, _ => 0L);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Breakpoints.MeterName && _counts.ContainsKey(instrument.Name))
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
