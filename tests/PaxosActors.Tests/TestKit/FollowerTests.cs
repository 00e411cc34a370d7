using PaxosActors.TestKit;

namespace PaxosActors.Tests.TestKit;

/// <summary>A follower learns every value, refuses proposals, fails over, and keeps its log across restarts.</summary>
public sealed class FollowerTests
{
    [Fact]
    public async Task A_follower_learns_everything_refuses_proposals_and_fails_over_when_its_member_dies()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 4,
            Followers = new Dictionary<int, int> { [4] = 1 },
            StateMachines = (_, _) => [new RecordingStateMachine()],
            ExtraConfig = "paxos-actors.learn-interval = 300ms\nakka.loglevel = ERROR",
        });

        await Task.WhenAll(Enumerable.Range(0, 30).Select(i => cluster.ProposeAsync(1 + (i % 3), $"a{i}", TimeSpan.FromSeconds(10))));
        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(20), atLeast: 1);
        Assert.Equal(30, Log(cluster, 4).Count);

        var refused = Assert.IsType<ProposeFailed>(await cluster.ProposeAsync(4, "nope", TimeSpan.FromSeconds(5)));
        Assert.Equal(ProposeFailureReason.Follower, refused.Reason);

        // The member it follows dies: the follower learns from the others on its ticks.
        await cluster.CrashAsync(1);
        foreach (var i in Enumerable.Range(0, 20))
        {
            Assert.IsType<ProposeResult>(await cluster.ProposeAsync(2 + (i % 2), $"b{i}", TimeSpan.FromSeconds(10)));
        }

        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(Log(cluster, 2), Log(cluster, 4));

        // Restarted, it replays its own log from its file (a crash may lose the newest chosen
        // records still on their way to disk), then learns the rest from the members again.
        await cluster.CrashAsync(4);
        await cluster.RestartAsync(4);
        var replayed = Log(cluster, 4);
        Assert.NotEmpty(replayed);
        Assert.Equal(Log(cluster, 2).Take(replayed.Count), replayed);
        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(20), atLeast: 1);
        Assert.Equal(50, Log(cluster, 4).Count);
        Assert.DoesNotContain("nope", Log(cluster, 4));
    }

    private static List<string> Log(PaxosTestCluster cluster, int node) =>
        cluster.StateMachine<RecordingStateMachine>(node).Log.Select(e => e.Command).ToList();
}
