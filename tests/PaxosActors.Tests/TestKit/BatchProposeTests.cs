using Akka.Actor;
using PaxosActors.TestKit;

namespace PaxosActors.Tests.TestKit;

/// <summary>
/// BatchPropose: the group waits for batch-propose.max-count commands or the linger, proposes
/// them as one instance, and tells each caller its index in the batch.
/// </summary>
public sealed class BatchProposeTests
{
    [Fact]
    public async Task Commands_wait_for_a_full_batch_and_each_caller_learns_its_place_in_it()
    {
        await using var cluster = await StartAsync("max-count = 4, linger = 1s");
        var group = cluster.Group(1);

        var replies = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => group.Ask<object>(new BatchPropose($"b{i}"), TimeSpan.FromSeconds(20))));

        var results = replies.Select(r => Assert.IsType<BatchProposeResult>(r)).ToList();
        var batches = results.GroupBy(r => r.InstanceId).ToList();
        Assert.Equal(2, batches.Count);
        Assert.All(batches, b => Assert.Equal([0, 1, 2, 3], b.Select(r => r.Index).Order()));
    }

    [Fact]
    public async Task A_batch_that_does_not_fill_goes_out_when_the_linger_ends()
    {
        await using var cluster = await StartAsync("max-count = 64, linger = 1s");
        var group = cluster.Group(2);

        var replies = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => group.Ask<object>(new BatchPropose($"b{i}"), TimeSpan.FromSeconds(20))));

        var results = replies.Select(r => Assert.IsType<BatchProposeResult>(r)).ToList();
        Assert.Single(results.Select(r => r.InstanceId).Distinct());
        Assert.Equal([0, 1, 2], results.Select(r => r.Index).Order());
        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(20));
        Assert.All(cluster.Nodes, n => Assert.Equal(["b0", "b1", "b2"], cluster.StateMachine<RecordingStateMachine>(n).Log.Select(e => e.Command).Order()));
    }

    private static Task<PaxosTestCluster> StartAsync(string batching) => PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
    {
        Nodes = 3,
        StateMachines = (_, _) => [new RecordingStateMachine()],
        ExtraConfig = $"paxos-actors.batch-propose {{ {batching} }}",
    });
}
