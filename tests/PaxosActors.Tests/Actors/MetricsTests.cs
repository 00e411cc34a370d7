using System.Diagnostics.Metrics;
using Akka.Actor;
using PaxosActors.Core;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Actors;

/// <summary>Each node counts on its own meter, every count tagged with its group and node.</summary>
public sealed class MetricsTests(ITestOutputHelper output) : JournalTestKit(output, SingleNodeGroup)
{
    [Fact]
    public async Task A_groups_counts_carry_its_group_and_node_on_its_systems_meter()
    {
        var tags = new List<(string Name, string? Group, object? Node)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == Breakpoints.MeterName && instrument.Meter.Scope == Sys)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, measured, _) =>
        {
            lock (tags)
            {
                var all = measured.ToArray().ToDictionary(t => t.Key, t => t.Value);
                tags.Add((instrument.Name, all.GetValueOrDefault("group") as string, all.GetValueOrDefault("node")));
            }
        });
        listener.Start();

        var group = await PaxosExtension.Get(Sys).StartGroupAsync("g", new RecordingStateMachine());
        Assert.IsType<ProposeResult>(await group.Ask<object>(new Propose("x"), TimeSpan.FromSeconds(10)));

        lock (tags)
        {
            Assert.Contains(tags, t => t.Name == "paxos.proposer.accept.start");
            Assert.All(tags, t => Assert.Equal(("g", (object?)1), (t.Group, t.Node)));
        }
    }
}
