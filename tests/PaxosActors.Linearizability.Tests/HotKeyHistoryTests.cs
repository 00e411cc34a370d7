using System.Diagnostics;
using Xunit.Abstractions;

namespace PaxosActors.Linearizability.Tests;

/// <summary>
/// A large generated history on a few hot append-only keys: 10,000 operations of 16 clients on
/// 4 keys, beyond what the search decides in reasonable time (it gave up on 1,544 operations of
/// one such key). The append-order method decides it and its corrupted copy. The time is
/// printed, not asserted.
/// </summary>
public sealed class HotKeyHistoryTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Ten_thousand_operations_on_four_hot_keys_are_decided_by_the_append_order(int seed)
    {
        var history = HistoryGenerator.AppendOnly(operations: 10_000, clients: 16, keys: 4, seed);
        var corrupted = HistoryGenerator.Corrupt(history, seed, out var what);

        var clock = Stopwatch.StartNew();
        var good = Checker.Check(history, TimeSpan.FromSeconds(60));
        var goodTime = clock.Elapsed;
        clock.Restart();
        var bad = Checker.Check(corrupted, TimeSpan.FromSeconds(60));
        var badTime = clock.Elapsed;

        output.WriteLine($"seed {seed}: {history.Count} operations, {history.Count(o => o.Return is null)} of unknown outcome, up to {MaxOverlap(history)} that returned overlapping on one key");
        output.WriteLine($"  as generated: {good.Verdict} in {goodTime.TotalMilliseconds:F1} ms ({string.Join(", ", good.PerKey.Select(k => $"{k.Key} {k.Operations} ops {k.Elapsed.TotalMilliseconds:F1} ms"))})");
        output.WriteLine($"  corrupted ({what}): {bad.Verdict} in {badTime.TotalMilliseconds:F1} ms: {bad.Reason}");
        Assert.Equal(Verdict.Linearizable, good.Verdict);
        Assert.Equal(4, good.PerKey.Count);
        Assert.All(good.PerKey, k => Assert.Equal(KeyMethod.AppendOrder, k.Method));
        Assert.Equal(Verdict.NotLinearizable, bad.Verdict);
        Assert.Equal(KeyMethod.AppendOrder, bad.PerKey[^1].Method);
    }

    [Fact]
    public void A_written_and_read_back_generated_history_is_decided_the_same()
    {
        var history = HistoryGenerator.AppendOnly(operations: 2_000, clients: 16, keys: 4, seed: 3);
        var file = Path.GetTempFileName();
        try
        {
            HistoryWriter.Write(file, history);
            var read = HistoryReader.Read(File.ReadAllText(file));
            Assert.Equal(history, read);
            Assert.Equal(Verdict.Linearizable, Checker.Check(read, TimeSpan.FromSeconds(60)).Verdict);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The most operations of one key that returned and whose intervals share a point in time.</summary>
    private static int MaxOverlap(IReadOnlyList<Operation> history) =>
        history.Where(o => o.Return is not null).GroupBy(o => o.Key).Max(key => key
            .SelectMany(o => new[] { (Time: o.Call, Step: 1), (Time: o.Return!.Value, Step: -1) })
            .OrderBy(e => e.Time).ThenByDescending(e => e.Step)
            .Aggregate((Open: 0, Most: 0), (s, e) => (s.Open + e.Step, Math.Max(s.Most, s.Open + e.Step))).Most);
}
