using PaxosActors.Core;
using PaxosActors.Storage;
using PaxosActors.TestKit;

namespace PaxosActors.Tests.Storage;

/// <summary>
/// Checkpoints over real Akka.Remote and SQLite: a group takes them while it runs, and a node
/// that restarts loads the newest intact one that fits its log and replays only the instances
/// after it. A damaged checkpoint, one of another history, and one a crash left half written
/// are each passed over for the one before.
/// </summary>
public sealed class CheckpointRestartTests
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_restart_loads_the_newest_checkpoint_and_replays_only_the_tail()
    {
        await using var cluster = await StartAsync();
        await ProposeAsync(cluster, 0, 25);
        var folder = await WaitForCheckpointAsync(cluster, 3, instance: 20);

        await cluster.CrashAsync(3);
        var stale = Path.Combine(folder, "0000000000000000030.checkpoint.tmp");
        await File.WriteAllBytesAsync(stale, [1, 2, 3]);
        await cluster.RestartAsync(3);

        var restarted = cluster.StateMachine<CheckpointedLog>(3);
        Assert.Equal(20, restarted.RestoredAt);
        Assert.Equal(5, restarted.ExecutedHere);
        Assert.Equal(cluster.StateMachine<CheckpointedLog>(1).Ran, restarted.Ran);
        Assert.False(File.Exists(stale), "the half-written checkpoint a crash left is removed");

        // It goes on from there with the others.
        await ProposeAsync(cluster, 25, 3);
        await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 28);
        Assert.Equal(cluster.StateMachine<CheckpointedLog>(1).Ran, cluster.StateMachine<CheckpointedLog>(3).Ran);
        Assert.Equal(28, cluster.StateMachine<CheckpointedLog>(3).Ran.Count);
    }

    [Fact]
    public async Task A_damaged_newest_checkpoint_falls_back_to_the_one_before()
    {
        await using var cluster = await StartAsync();
        await ProposeAsync(cluster, 0, 25);
        var folder = await WaitForCheckpointAsync(cluster, 3, instance: 20);
        await cluster.CrashAsync(3);

        var newest = Path.Combine(folder, "0000000000000000020.checkpoint");
        var bytes = await File.ReadAllBytesAsync(newest);
        bytes[bytes.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(newest, bytes);
        await cluster.RestartAsync(3);

        var restarted = cluster.StateMachine<CheckpointedLog>(3);
        Assert.Equal(10, restarted.RestoredAt);
        Assert.Equal(15, restarted.ExecutedHere);
        Assert.Equal(cluster.StateMachine<CheckpointedLog>(1).Ran, restarted.Ran);
    }

    [Fact]
    public async Task A_checkpoint_of_another_history_or_past_the_log_is_passed_over()
    {
        await using var cluster = await StartAsync();
        await ProposeAsync(cluster, 0, 25);
        var folder = await WaitForCheckpointAsync(cluster, 3, instance: 20);
        await cluster.CrashAsync(3);

        // Intact files, but not of this log: another chain at instance 22, and an instance past
        // the log's end. Neither may start the node; the real one at 20 does.
        var store = new CheckpointStore(Path.GetDirectoryName(folder)!, keep: 10);
        var foreign = new CheckpointedLog();
        foreign.Execute(0, "not ours");
        store.Write(new CheckpointHeader("test", 22, 0xbad), new DuplicateFilter().ToBytes(), [(1, foreign.Capture())]);
        store.Write(new CheckpointHeader("test", 40, 0xbad), new DuplicateFilter().ToBytes(), [(1, foreign.Capture())]);
        await cluster.RestartAsync(3);

        var restarted = cluster.StateMachine<CheckpointedLog>(3);
        Assert.Equal(20, restarted.RestoredAt);
        Assert.Equal(cluster.StateMachine<CheckpointedLog>(1).Ran, restarted.Ran);
    }

    private static Task<PaxosTestCluster> StartAsync() => PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
    {
        Nodes = 3,
        StateMachines = (_, _) => [new CheckpointedLog()],
        ExtraConfig = """
            akka.loglevel = OFF
            akka.remote.log-remote-lifecycle-events = off
            paxos-actors {
              propose-timeout = 30s
              checkpoint { every-instances = 10, keep = 2 }
            }
            """,
    });

    private static async Task ProposeAsync(PaxosTestCluster cluster, int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1 + (i % 3), $"c{i}", Ceiling));
        }

        await cluster.AwaitConvergenceAsync(Ceiling, atLeast: from + count);
    }

    /// <summary>Waits until node <paramref name="node"/> published the checkpoint at <paramref name="instance"/>; its folder.</summary>
    private static async Task<string> WaitForCheckpointAsync(PaxosTestCluster cluster, int node, long instance)
    {
        var folder = Path.Combine(cluster.DataDirectory, $"node{node}.db.checkpoints", "test");
        var file = Path.Combine(folder, $"{instance:D19}.checkpoint");
        await Eventually.HoldsAsync(() => File.Exists(file), Ceiling, () => $"a checkpoint at {instance} in {folder}");
        return folder;
    }
}
