using PaxosActors.TestKit;

namespace PaxosActors.Tests.TestKit;

/// <summary>
/// On real nodes over Akka.Remote: the members learn a chosen instance from the ballot the
/// leader's next Accept carries (proposer.chosen-with-next-accept), and the last instance of a
/// burst from the value the leader sends once nothing follows. The learn tick is a minute here,
/// so nothing else brings the followers up to date.
/// </summary>
public sealed class ChosenAnnouncementTests
{
    private static readonly string[] Counters =
        ["paxos.coordinator.learned_from_accept", "paxos.proposer.chosen_with_accept", "paxos.proposer.chosen_sent"];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Members_learn_every_instance_from_next_accepts_or_the_value_sent_after_the_last(bool on)
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (_, _) => [new RecordingStateMachine()],
            ExtraConfig = $"paxos-actors {{ learn-interval = 60s, proposer.chosen-with-next-accept = {(on ? "on" : "off")}, batching.max-count = 4 }}",
        });
        using var counters = CounterProbe.For(cluster, Counters);

        for (var burst = 0; burst < 3; burst++)
        {
            var replies = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => cluster.ProposeAsync(1, $"b{burst}-{i}", TimeSpan.FromSeconds(20))));
            Assert.All(replies, r => Assert.IsType<ProposeResult>(r));

            // Between bursts the leader rests: the last instance reaches the others as a value.
            await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(20));
        }

        var log = cluster.StateMachine<RecordingStateMachine>(1).Log.Select(e => e.Command).ToList();
        Assert.Equal(120, log.Count);
        Assert.All(cluster.Nodes, n => Assert.Equal(log, cluster.StateMachine<RecordingStateMachine>(n).Log.Select(e => e.Command)));

        var counts = counters.Snapshot();
        if (on)
        {
            Assert.True(counts["paxos.proposer.chosen_with_accept"] > 0, "no Accept carried a chosen ballot");
            Assert.True(counts["paxos.coordinator.learned_from_accept"] > 0, "no member learned from an Accept");
            Assert.True(counts["paxos.proposer.chosen_sent"] >= 3, "the last instance of a burst was not sent");
        }
        else
        {
            Assert.All(Counters, c => Assert.Equal(0, counts[c]));
        }
    }
}
