using PaxosActors.TestKit;

namespace PaxosActors.Tests.Storage;

/// <summary>
/// A node that crashes while it takes, sends, fetches or installs a checkpoint comes back by
/// itself, over real Akka.Remote and SQLite, with the state every other node has.
/// </summary>
public sealed class CheckpointCrashTests
{
    private const long BlobSize = 16L * 1024 * 1024;
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task What_a_crash_while_taking_or_fetching_a_checkpoint_leaves_is_removed_and_the_last_whole_one_loaded()
    {
        await using var cluster = await TruncationTests.StartAsync();
        await TruncationTests.ProposeAsync(cluster, [1, 2, 3], 0, 25);
        var saved = await cluster.AwaitStorageEventAsync<CheckpointSaved>(3, Ceiling, e => e.Instance >= 20);
        await cluster.CrashAsync(3);

        // A crash half way through writing the next checkpoint, and one half way through a fetch
        // of a checkpoint the node has passed since.
        var folder = Path.GetDirectoryName(saved.Path)!;
        var bytes = await File.ReadAllBytesAsync(saved.Path);
        await File.WriteAllBytesAsync(Path.Combine(folder, $"{saved.Instance + 100:D19}.checkpoint.tmp"), bytes[..(bytes.Length / 2)]);
        await File.WriteAllBytesAsync(Path.Combine(folder, $"{saved.Instance:D19}.00000000000000ab.{bytes.Length}.fetch.checkpoint.tmp"), bytes[..(bytes.Length / 3)]);
        var whole = TruncationTests.Checkpoints(cluster, 3).ToList();

        await cluster.RestartAsync(3);
        TruncationTests.AssertStartedFromNewest(whole, cluster.StateMachine<CheckpointedLog>(3).RestoredAt);
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));

        await TruncationTests.ProposeAsync(cluster, [3], 25, 3);
        Assert.Equal(cluster.StateMachine<CheckpointedLog>(1).Ran, cluster.StateMachine<CheckpointedLog>(3).Ran);
    }

    [Fact]
    public async Task A_partial_fetch_whose_bytes_a_crash_damaged_is_fetched_again_whole()
    {
        await using var cluster = await CrashedInTheMiddleOfAFetchAsync();
        var folder = TruncationTests.CheckpointFolder(cluster, 3);
        var part = Assert.Single(Directory.GetFiles(folder, "*.fetch.checkpoint.tmp"));
        await using (var file = new FileStream(part, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 1000;
            var b = file.ReadByte();
            file.Position = 1000;
            file.WriteByte((byte)(b ^ 0x40));
        }

        await cluster.RestartAsync(3);
        await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 5);
        AssertWhole(cluster.StateMachine<Blob>(3));
        Assert.Contains(cluster.StorageEvents(3), e => e is CheckpointFetchProgress { Received: > 0 });
        Assert.Contains(cluster.StorageEvents(3), e => e is CheckpointFetchProgress { Received: 0 });
    }

    [Fact]
    public async Task A_source_that_crashes_in_the_middle_of_sending_is_replaced_by_another_peer()
    {
        await using var cluster = await StartAsync();

        // Node 3 hears only node 1 until a part of the file has arrived; then node 1 crashes.
        cluster.Partition([3], [2]);
        await cluster.RestartAsync(3);
        await cluster.AwaitStorageEventAsync<CheckpointFetchProgress>(3, Ceiling, p => p.Source == 1 && p.Received >= 1024 * 1024);
        await cluster.CrashAsync(1);
        cluster.Heal();

        await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 5);
        var fetched = await cluster.AwaitStorageEventAsync<CheckpointFetched>(3, Ceiling);
        Assert.Equal(4, fetched.Instance);
        Assert.Contains(cluster.StorageEvents(3), e => e is CheckpointFetchProgress { Source: 2 });
        AssertWhole(cluster.StateMachine<Blob>(3));
    }

    [Fact]
    public async Task A_node_that_crashes_in_the_middle_of_a_fetch_goes_on_from_what_it_had_after_its_restart()
    {
        await using var cluster = await CrashedInTheMiddleOfAFetchAsync();

        await cluster.RestartAsync(3);
        var resumed = await cluster.AwaitStorageEventAsync<CheckpointFetchProgress>(3, Ceiling);
        Assert.True(resumed.Received >= 1024 * 1024, $"the fetch began again at byte {resumed.Received}");
        await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 5);
        var fetched = await cluster.AwaitStorageEventAsync<CheckpointFetched>(3, Ceiling);
        Assert.Equal(4, fetched.Instance);
        AssertWhole(cluster.StateMachine<Blob>(3));
        Assert.Empty(Directory.GetFiles(TruncationTests.CheckpointFolder(cluster, 3), "*.tmp"));
    }

    [Fact]
    public async Task A_node_that_crashes_right_after_installing_a_fetched_checkpoint_comes_back_with_the_same_state()
    {
        await using var cluster = await TruncationTests.StartAsync();
        await TruncationTests.ProposeAsync(cluster, [1, 2, 3], 0, 3);
        await cluster.CrashAsync(3);
        await TruncationTests.ProposeAsync(cluster, [1, 2], 3, 30);
        await TruncationTests.WaitForCutAsync(cluster, 1, past: 10);
        await TruncationTests.WaitForCutAsync(cluster, 2, past: 10);

        // The crash races the acceptor's write of the jump: either way the node must come back.
        await cluster.RestartAsync(3);
        await cluster.AwaitStorageEventAsync<CheckpointFetched>(3, Ceiling);
        await cluster.CrashAsync(3);
        await cluster.RestartAsync(3);

        await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 33);
        await TruncationTests.ProposeAsync(cluster, [3], 33, 3);
        Assert.Equal(cluster.StateMachine<CheckpointedLog>(1).Ran, cluster.StateMachine<CheckpointedLog>(3).Ran);
    }

    /// <summary>A blob cluster whose node 3 is down while nodes 1 and 2 checkpoint 16 MiB and cut their journals; chunks of 16 KiB, one at a time.</summary>
    private static async Task<PaxosTestCluster> StartAsync()
    {
        var cluster = await TransferMemoryTests.StartBlobsAsync("checkpoint.transfer { chunk-size = 16 KiB, window = 1 }");
        await cluster.CrashAsync(3);
        await TransferMemoryTests.FillAsync(cluster, BlobSize);
        return cluster;
    }

    /// <summary>The blob cluster, with node 3 crashed after it fetched the first MiB of the checkpoint.</summary>
    private static async Task<PaxosTestCluster> CrashedInTheMiddleOfAFetchAsync()
    {
        var cluster = await StartAsync();
        await cluster.RestartAsync(3);
        await cluster.AwaitStorageEventAsync<CheckpointFetchProgress>(3, Ceiling, p => p.Received >= 1024 * 1024);
        await cluster.CrashAsync(3);
        return cluster;
    }

    private static void AssertWhole(Blob blob)
    {
        Assert.Equal(4, blob.RestoredAt);
        Assert.Equal((BlobSize, Blob.HashOf(BlobSize)), (blob.Size, blob.RestoredHash));
    }
}
