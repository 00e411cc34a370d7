using System.Diagnostics;
using PaxosActors.TestKit;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Storage;

/// <summary>
/// The nodes' SQLite files on a small tmpfs that the test fills up: with the disk full no
/// proposal succeeds (journal writes fail, acceptors restart with back-off); once space is
/// freed the group goes on, and every node ran the same log. Needs root to mount, as CI has.
/// </summary>
public sealed class FullDiskTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _mount = Path.Combine(Path.GetTempPath(), "paxos-full-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task With_the_disk_full_nothing_succeeds_and_the_group_recovers_when_space_returns()
    {
        Directory.CreateDirectory(_mount);
        Run("mount", $"-t tmpfs -o size=16m tmpfs {_mount}");
        await using (var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            DataDirectory = _mount,
            StateMachines = (_, _) => [new RecordingStateMachine()],
            ExtraConfig = "akka.loglevel = OFF\npaxos-actors.propose-timeout = 2s\npaxos-actors.acceptor { restart-min-backoff = 100ms, restart-max-backoff = 500ms }",
        }))
        {
            Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "before", TimeSpan.FromSeconds(10)));

            var filler = Path.Combine(_mount, "filler");
            Fill(filler);
            var during = await StorageOutage.ProposeWhileOutAsync(cluster, output);

            File.Delete(filler);
            await StorageOutage.AssertRecoveredAsync(cluster, during);
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Run("umount", _mount, check: false);
        Directory.Delete(_mount, recursive: true);
    }

    /// <summary>Writes until the file system says it is full.</summary>
    private static void Fill(string file)
    {
        using var stream = new FileStream(file, FileMode.Create);
        var block = new byte[64 * 1024];
        try
        {
            while (true)
            {
                stream.Write(block);
                stream.Flush(flushToDisk: true);
            }
        }
        catch (IOException)
        {
        }
    }

    private static void Run(string command, string arguments, bool check = true)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true })!;
        process.WaitForExit();
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {arguments}: {process.StandardError.ReadToEnd()}");
        }
    }
}
