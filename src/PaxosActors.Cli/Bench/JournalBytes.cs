using System.Diagnostics.Metrics;
using Akka.Actor;
using PaxosActors.Core;

namespace PaxosActors.Cli.Bench;

/// <summary>
/// Adds up what one node's SQLite journal wrote (<c>paxos.journal.written_bytes</c>, the bytes
/// of the rows it committed) from its own meter: `paxos bench` reads it at the start and the end
/// of the measured window.
/// </summary>
internal sealed class JournalBytes : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _bytes;

    public JournalBytes(ActorSystem system)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Breakpoints.MeterName && instrument.Meter.Scope == system && instrument.Name == "paxos.journal.written_bytes")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _bytes, value));
        _listener.Start();
    }

    /// <summary>Bytes written since this listener started.</summary>
    public long Total => Interlocked.Read(ref _bytes);

    public void Dispose() => _listener.Dispose();
}
