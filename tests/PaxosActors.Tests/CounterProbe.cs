using System.Diagnostics.Metrics;
using PaxosActors.Core;

namespace PaxosActors.Tests;

/// <summary>Listens to PaxosActors' counters (process-wide, so it waits for at least what it expects).</summary>
public sealed class CounterProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _counts;

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

    public async Task WaitAsync(Func<Dictionary<string, long>, bool> done, TimeSpan ceiling)
    {
        var deadline = DateTime.UtcNow + ceiling;
        while (!done(Snapshot()))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Counters did not reach the expected values: " + string.Join(", ", Snapshot().Select(c => $"{c.Key}={c.Value}")));
            }

            await Task.Delay(50);
        }
    }

    public void Dispose() => _listener.Dispose();
}
