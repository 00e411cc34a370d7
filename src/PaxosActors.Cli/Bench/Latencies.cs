using HdrHistogram;

namespace PaxosActors.Cli.Bench;

/// <summary>
/// The latencies of a bench's commands as a histogram (HdrHistogram, microseconds, three
/// significant digits, up to ten minutes): about 170 KB however long the run, where a list
/// of samples grew by 8 bytes per command (160 MB in a 10-minute run at 33,000 commands a
/// second, in the node that ran the clients). Percentiles are within 0.1 % of the exact ones.
/// Safe to record into from many clients at once.
/// </summary>
internal sealed class Latencies
{
    private static readonly long Highest = (long)TimeSpan.FromMinutes(10).TotalMicroseconds;
    private readonly LongHistogram _histogram = new(Highest, 3);

    /// <summary>How many latencies are recorded.</summary>
    public long Count
    {
        get
        {
            lock (_histogram)
            {
                return _histogram.TotalCount;
            }
        }
    }

    /// <summary>Records one latency; one above the histogram's range counts as its highest value.</summary>
    public void Record(TimeSpan latency) => Record((long)latency.TotalMicroseconds, 1);

    /// <summary>Adds another's latencies to these.</summary>
    public void Add(Latencies other)
    {
        lock (other._histogram)
        {
            lock (_histogram)
            {
                _histogram.Add(other._histogram);
            }
        }
    }

    /// <summary>p50, p95, p99 and the maximum, in milliseconds (all zero when nothing is recorded).</summary>
    public LatencyMs Summary()
    {
        lock (_histogram)
        {
            if (_histogram.TotalCount == 0)
            {
                return new LatencyMs(0, 0, 0, 0);
            }

            double At(double percentile) => _histogram.GetValueAtPercentile(percentile) / 1000.0;
            return new LatencyMs(At(50), At(95), At(99), _histogram.GetMaxValue() / 1000.0);
        }
    }

    /// <summary>Writes the histogram as (microseconds, count) pairs, one per bucket recorded.</summary>
    public void WriteTo(Stream stream)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        foreach (var (micros, count) in Buckets())
        {
            writer.Write(micros);
            writer.Write(count);
        }
    }

    /// <summary>Reads what <see cref="WriteTo"/> wrote.</summary>
    public static Latencies ReadFrom(Stream stream)
    {
        var latencies = new Latencies();
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        while (stream.Position + 16 <= stream.Length)
        {
            latencies.Record(reader.ReadInt64(), reader.ReadInt64());
        }

        return latencies;
    }

    private List<(long Micros, long Count)> Buckets()
    {
        lock (_histogram)
        {
            return _histogram.RecordedValues().Select(v => (v.ValueIteratedTo, v.CountAtValueIteratedTo)).ToList();
        }
    }

    private void Record(long micros, long count)
    {
        lock (_histogram)
        {
            _histogram.RecordValueWithCount(Math.Clamp(micros, 0, Highest), count);
        }
    }
}
