using PaxosActors.TestKit;

namespace PaxosActors.Tests.Storage;

/// <summary>
/// An acceptor holds each chosen record for its next write to carry (log.chosen-write-delay). A
/// graceful stop writes what it holds: a node restarted alone replays every instance it learned.
/// </summary>
public sealed class HeldWriteTests
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_graceful_stop_writes_the_chosen_records_held_for_a_next_write()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (_, _) => [new CheckpointedLog()],
            ExtraConfig = """
                akka.loglevel = OFF
                akka.remote.log-remote-lifecycle-events = off
                paxos-actors {
                  propose-timeout = 30s
                  log.chosen-write-delay = 1h
                }
                """,
        });
        for (var i = 0; i < 5; i++)
        {
            Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, $"c{i}", Ceiling));
        }

        await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 5);
        foreach (var node in cluster.Nodes)
        {
            await cluster.CrashAsync(node);
        }

        // Alone, node 3 has only its own journal: the last chosen record, which no next write
        // carried, is there only if the stop wrote it.
        await cluster.RestartAsync(3);
        var restarted = cluster.StateMachine<CheckpointedLog>(3);
        await Eventually.HoldsAsync(() => restarted.Ran.Count == 5, TimeSpan.FromSeconds(10), () => $"replayed [{string.Join(", ", restarted.Ran)}]");
        Assert.Equal(["c0", "c1", "c2", "c3", "c4"], restarted.Ran);
    }
}
