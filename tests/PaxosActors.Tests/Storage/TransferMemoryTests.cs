using System.Diagnostics;
using PaxosActors.TestKit;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Storage;

/// <summary>
/// A 50 MB checkpoint crosses real Akka.Remote in checked chunks, a window at a time, straight
/// to a file: the process's memory grows by what is in flight, not by the checkpoint's size.
/// </summary>
public sealed class TransferMemoryTests(ITestOutputHelper output)
{
    private const long Size = 50L * 1024 * 1024;
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_50_MB_checkpoint_transfers_within_64_MB_of_memory()
    {
        await using var cluster = await StartBlobsAsync();
        await cluster.CrashAsync(3);
        await FillAsync(cluster, Size);

        // The baseline: the two running nodes, collected; then the working set's peak (and the
        // heap's, garbage included, for the record), sampled while node 3 fetches and loads.
        using var process = Process.GetCurrentProcess();
        var (heap, workingSet) = Settle(process);
        long peakHeap = 0, peakWorkingSet = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                process.Refresh();
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
                peakWorkingSet = Math.Max(peakWorkingSet, process.WorkingSet64);
                await Task.Delay(5);
            }
        });
        var clock = Stopwatch.StartNew();
        await cluster.RestartAsync(3);
        await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 5);
        clock.Stop();
        await stop.CancelAsync();
        await sampler;

        var blob = cluster.StateMachine<Blob>(3);
        Assert.Equal(4, blob.RestoredAt);
        Assert.Equal((Size, Blob.HashOf(Size)), (blob.Size, blob.RestoredHash));
        var grewHeap = (peakHeap - heap) / (1024.0 * 1024);
        var grewWorkingSet = (peakWorkingSet - workingSet) / (1024.0 * 1024);
        output.WriteLine($"fetched and loaded {Size >> 20} MB in {clock.Elapsed.TotalSeconds:F1} s; heap grew by at most {grewHeap:F1} MB, working set by {grewWorkingSet:F1} MB");
        Assert.True(grewWorkingSet < 64, $"the working set grew by {grewWorkingSet:F1} MB while a {Size >> 20} MB checkpoint transferred");
    }

    [Fact]
    public async Task A_transfer_cut_off_from_its_source_goes_on_from_another_peer()
    {
        const long size = 16L * 1024 * 1024;
        await using var cluster = await StartBlobsAsync("checkpoint.transfer { chunk-size = 16 KiB, window = 1 }");
        await cluster.CrashAsync(3);
        await FillAsync(cluster, size);

        // Node 3 hears only node 1 until a part of the file has arrived; then only node 2.
        cluster.Partition([3], [2]);
        await cluster.RestartAsync(3);
        var progress = await cluster.AwaitStorageEventAsync<CheckpointFetchProgress>(3, Ceiling, p => p.Received >= 1024 * 1024);
        Assert.Equal(1, progress.Source);

        cluster.Heal();
        cluster.Partition([3], [1]);
        await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 5);
        var blob = cluster.StateMachine<Blob>(3);
        Assert.Equal(4, blob.RestoredAt);
        Assert.Equal((size, Blob.HashOf(size)), (blob.Size, blob.RestoredHash));
        var fetched = await cluster.AwaitStorageEventAsync<CheckpointFetched>(3, Ceiling);
        Assert.Equal(4L, fetched.Instance);
        Assert.True(fetched.Bytes > size, $"fetched a file of {fetched.Bytes} bytes for a {size}-byte blob");
        Assert.Contains(cluster.StorageEvents(3), e => e is CheckpointFetchProgress { Source: 2 });
        Assert.Empty(Directory.GetFiles(TruncationTests.CheckpointFolder(cluster, 3), "*.tmp"));
    }

    internal static Task<PaxosTestCluster> StartBlobsAsync(string extra = "") => PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
    {
        Nodes = 3,
        StateMachines = (_, _) => [new Blob()],
        ExtraConfig = $$"""
            akka.loglevel = OFF
            akka.remote.log-remote-lifecycle-events = off
            paxos-actors {
              propose-timeout = 60s
              learn-interval = 300ms
              checkpoint { every-instances = 4, keep = 1 }
              log { keep-instances = 0, truncate-interval = 50ms }
              {{extra}}
            }
            """,
    });

    /// <summary>Nodes 1 and 2 grow the blob, checkpoint it at instance 4 and cut their journals behind it.</summary>
    internal static async Task FillAsync(PaxosTestCluster cluster, long size)
    {
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, $"size {size}", Ceiling));
        for (var i = 0; i < 4; i++)
        {
            Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1 + (i % 2), "tick", Ceiling));
        }

        await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 5);
        await TruncationTests.WaitForCutAsync(cluster, 1, past: 3);
        await TruncationTests.WaitForCutAsync(cluster, 2, past: 3);
    }

    private static (long Heap, long WorkingSet) Settle(Process process)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        process.Refresh();
        return (GC.GetTotalMemory(true), process.WorkingSet64);
    }
}
