using PaxosActors.TestKit;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Storage;

/// <summary>
/// The shape of every storage-fault test: proposals while storage is out must all fail; once it
/// is back the group goes on, every node ran the same log, and nothing a caller was told would
/// not run did run.
/// </summary>
internal static class StorageOutage
{
    public static async Task<object[]> ProposeWhileOutAsync(PaxosTestCluster cluster, ITestOutputHelper output)
    {
        var during = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => cluster.ProposeAsync(1 + (i % 3), $"during{i}", TimeSpan.FromSeconds(10))));
        output.WriteLine(string.Join(", ", during.Select(r => r is ProposeFailed f ? $"{f.Reason}{(f.OutcomeUnknown ? "?" : string.Empty)}" : "OK")));
        Assert.All(during, r => Assert.IsType<ProposeFailed>(r));
        return during;
    }

    public static async Task AssertRecoveredAsync(PaxosTestCluster cluster, object[] during)
    {
        object after = new ProposeFailed(ProposeFailureReason.Timeout, "not yet");
        for (var attempt = 0; attempt < 15 && after is not ProposeResult; attempt++)
        {
            after = await cluster.ProposeAsync(1, $"after{attempt}", TimeSpan.FromSeconds(10));
        }

        Assert.IsType<ProposeResult>(after);
        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(30));
        var logs = cluster.Running.Select(n => cluster.StateMachine<RecordingStateMachine>(n).Log.Select(e => e.Command).ToList()).ToList();
        Assert.All(logs, log => Assert.Equal(logs[0], log));
        Assert.Equal("before", logs[0][0]);
        for (var i = 0; i < during.Length; i++)
        {
            if (during[i] is ProposeFailed { OutcomeUnknown: false })
            {
                Assert.DoesNotContain($"during{i}", logs[0]);
            }
        }
    }
}
