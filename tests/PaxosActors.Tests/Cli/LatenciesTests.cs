using PaxosActors.Cli.Bench;

namespace PaxosActors.Tests.Cli;

/// <summary>
/// The bench's latency histogram: its percentiles match the exact ones within its precision,
/// it survives the trip through a node's samples file, and nodes' histograms add up.
/// </summary>
public sealed class LatenciesTests
{
    [Fact]
    public void Percentiles_match_the_sorted_samples_within_a_tenth_of_a_percent()
    {
        var random = new Random(7);
        var samples = Enumerable.Range(0, 100_000).Select(_ => 0.05 + (random.NextDouble() * random.NextDouble() * 40)).ToList();
        var latencies = new Latencies();
        samples.ForEach(ms => latencies.Record(TimeSpan.FromMilliseconds(ms)));

        samples.Sort();
        var summary = latencies.Summary();
        Assert.Equal(100_000, latencies.Count);
        Near(samples[50_000], summary.P50);
        Near(samples[95_000], summary.P95);
        Near(samples[99_000], summary.P99);
        Near(samples[^1], summary.Max);
    }

    [Fact]
    public void A_node_file_round_trips_and_nodes_add_up()
    {
        var one = new Latencies();
        var two = new Latencies();
        for (var i = 1; i <= 1000; i++)
        {
            one.Record(TimeSpan.FromMilliseconds(i / 100.0));
            two.Record(TimeSpan.FromMilliseconds(10 + (i / 100.0)));
        }

        using var file = new MemoryStream();
        one.WriteTo(file);
        file.Position = 0;
        var read = Latencies.ReadFrom(file);
        Assert.Equal(one.Summary(), read.Summary());

        read.Add(two);
        Assert.Equal(2000, read.Count);
        Near(10.0, read.Summary().P50);
        Near(20.0, read.Summary().Max);
    }

    [Fact]
    public void Nothing_recorded_reads_as_zeros_and_an_empty_file_as_nothing()
    {
        Assert.Equal(new LatencyMs(0, 0, 0, 0), new Latencies().Summary());
        Assert.Equal(0, Latencies.ReadFrom(new MemoryStream()).Count);
    }

    [Fact]
    public void A_latency_beyond_the_range_counts_as_its_highest_value()
    {
        var latencies = new Latencies();
        latencies.Record(TimeSpan.FromHours(2));
        Assert.Equal(1, latencies.Count);
        Near(TimeSpan.FromMinutes(10).TotalMilliseconds, latencies.Summary().Max);
    }

    private static void Near(double expected, double actual) =>
        Assert.True(Math.Abs(actual - expected) <= (expected * 0.001) + 0.001, $"expected {expected} ms within 0.1 %, got {actual}");
}
