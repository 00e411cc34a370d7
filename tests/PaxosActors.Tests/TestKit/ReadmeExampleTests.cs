using PaxosActors.TestKit;

namespace PaxosActors.Tests.TestKit;

/// <summary>The worked example of the README's TestKit section, kept true by running it.</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public async Task The_readme_example_runs()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (node, group) => [new Counter()],
            ExtraConfig = "paxos-actors.learn-interval = 500ms",
        });

        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, 5L, TimeSpan.FromSeconds(5)));

        cluster.Partition([1], [2, 3]);
        cluster.SetLink(2, 3, new LinkRule(DropProbability: 0.2, DuplicateProbability: 0.1, MinDelay: TimeSpan.FromMilliseconds(1), MaxDelay: TimeSpan.FromMilliseconds(30)));
        await cluster.ProposeAsync(2, 7L, TimeSpan.FromSeconds(5));
        await cluster.CrashAsync(3);
        cluster.Heal();
        await cluster.RestartAsync(3);
        var statuses = await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(10));
        var counter = cluster.StateMachine<Counter>(3);

        Assert.Equal(3, statuses.Count);
        Assert.Contains(counter.Value, new[] { 5L, 12L });
        Assert.All(cluster.Running, n => Assert.Equal(counter.Value, cluster.StateMachine<Counter>(n).Value));
    }

    private sealed class Counter : IStateMachine
    {
        public long Value { get; private set; }

        public int Id => 1;

        public object? Execute(long instance, object command) => Value += (long)command;
    }
}
