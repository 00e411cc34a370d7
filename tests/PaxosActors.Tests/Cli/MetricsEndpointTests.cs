using PaxosActors.Cli.Metrics;
using PaxosActors.Hosting;
using PaxosActors.TestKit;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Cli;

/// <summary>
/// `paxos node --metrics-port`'s endpoint over real nodes: the protocol's counters come out as
/// Prometheus text, each with its group and node.
/// </summary>
public sealed class MetricsEndpointTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_endpoint_serves_each_nodes_counters_as_prometheus_text_tagged_by_group_and_node()
    {
        var port = LocalNodeConfig.FreePorts(1)[1];
        using var endpoint = MetricsEndpoint.Start(port);
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            // A group no other test names: the endpoint sees every node of the test process.
            Groups = ["metrics-probe"],
            StateMachines = (_, _) => [new RecordingStateMachine()],
            ExtraConfig = "akka.loglevel = OFF",
        });
        for (var i = 0; i < 5; i++)
        {
            Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1 + (i % 3), $"m{i}", TimeSpan.FromSeconds(30)));
        }

        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://localhost:{port}/metrics");
        var lines = text.Split('\n').Where(l => l.StartsWith("paxos_", StringComparison.Ordinal)).ToList();
        output.WriteLine(string.Join('\n', lines.Take(30)));
        // Every node learned the five instances, and says so under its own labels.
        foreach (var node in new[] { 1, 2, 3 })
        {
            Assert.Contains($"paxos_coordinator_learned_total{{otel_scope_name=\"PaxosActors\",group=\"metrics-probe\",node=\"{node}\"}} 5", lines);
        }

        // Each node's callers' commit latency, as a histogram.
        foreach (var node in new[] { 1, 2, 3 })
        {
            Assert.Contains(lines, l => l.StartsWith("paxos_commit_latency_milliseconds_count{", StringComparison.Ordinal) && l.Contains($"group=\"metrics-probe\",node=\"{node}\"", StringComparison.Ordinal));
        }

        // Each node's queue depths, as gauges: nothing waits once every answer came back.
        foreach (var node in new[] { 1, 2, 3 })
        {
            Assert.Contains($"paxos_queue_local{{otel_scope_name=\"PaxosActors\",group=\"metrics-probe\",node=\"{node}\"}} 0", lines);
            Assert.Contains(lines, l => l.StartsWith("paxos_queue_handed_over{", StringComparison.Ordinal) && l.Contains($"node=\"{node}\"", StringComparison.Ordinal));
        }

        // What a node counts outside its groups carries its node.
        foreach (var node in new[] { 1, 2, 3 })
        {
            Assert.Contains(lines, l => l.StartsWith($"paxos_journal_written_events_total{{otel_scope_name=\"PaxosActors\",node=\"{node}\"}}", StringComparison.Ordinal));
        }

        Assert.Contains("# TYPE paxos_", text, StringComparison.Ordinal);
    }
}
