using PaxosActors.TestKit;

namespace PaxosActors.Tests.TestKit;

/// <summary>
/// The value size limit over real Akka.Remote: a command of exactly max-value-size (64 KiB, under
/// the 128,000-byte frame) is handed to the leader, accepted, chosen and learned by every node,
/// also many at once (batches stay under the limit); one byte more is refused before anything
/// is proposed.
/// </summary>
public sealed class ValueSizeTests
{
    [Fact]
    public async Task Values_up_to_the_limit_cross_the_network_and_one_byte_more_is_refused()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (_, _) => [new SizeLog()],
        });
        const int limit = 64 * 1024;
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, new byte[limit], TimeSpan.FromSeconds(20)));
        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(20), atLeast: 1);

        // From every node at once: node 2 and 3 forward theirs to the leader.
        var replies = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => cluster.ProposeAsync(1 + (i % 3), new byte[limit - i], TimeSpan.FromSeconds(30))));
        Assert.All(replies, r => Assert.IsType<ProposeResult>(r));

        var tooLarge = Assert.IsType<ProposeFailed>(await cluster.ProposeAsync(2, new byte[limit + 1], TimeSpan.FromSeconds(20)));
        Assert.Equal(ProposeFailureReason.ValueTooLarge, tooLarge.Reason);
        Assert.False(tooLarge.OutcomeUnknown);

        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(30), atLeast: 13);
        Assert.All(cluster.Nodes, n => Assert.Equal(13, cluster.StateMachine<SizeLog>(n).Sizes.Count));
        Assert.Equal(cluster.StateMachine<SizeLog>(1).Sizes, cluster.StateMachine<SizeLog>(3).Sizes);
    }

    private sealed class SizeLog : IStateMachine
    {
        public List<int> Sizes { get; } = [];

        public int Id => 1;

        public object? Execute(long instance, object command)
        {
            Sizes.Add(((byte[])command).Length);
            return null;
        }
    }
}
