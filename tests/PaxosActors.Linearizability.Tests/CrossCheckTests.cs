using System.Text.Json;
using Xunit.Abstractions;

namespace PaxosActors.Linearizability.Tests;

/// <summary>
/// The two methods must agree wherever the append-order method applies: on every append-only key
/// of the reference histories, and on seeded random small histories, linearizable by
/// construction or corrupted at random.
/// </summary>
public sealed class CrossCheckTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public void The_methods_agree_on_every_append_only_key_of_the_reference_histories()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "histories");
        var compared = 0;
        var failing = 0;
        foreach (var line in File.ReadAllLines(Path.Combine(folder, "expected.txt")).Where(l => l.Trim().Length > 0))
        {
            var file = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            foreach (var key in HistoryReader.Read(File.ReadAllText(Path.Combine(folder, file))).GroupBy(o => o.Key))
            {
                var ops = key.ToList();
                if (!Checker.InfersAppendOrder(ops))
                {
                    continue;
                }

                var fast = Checker.Check(ops, Limit);
                Assert.Equal(KeyMethod.AppendOrder, fast.PerKey.Single().Method);
                var search = Checker.Check(ops, Limit, inferAppendOrder: false);
                Assert.True(search.Verdict == fast.Verdict, $"{file} key '{key.Key}': append order says {fast.Verdict} ({fast.Reason}), search says {search.Verdict}");
                output.WriteLine($"{file} key '{key.Key}': {ops.Count} ops, {fast.Verdict}; append order {fast.Elapsed.TotalMilliseconds:F1} ms, search {search.Elapsed.TotalMilliseconds:F1} ms");
                compared++;
                failing += fast.Verdict == Verdict.NotLinearizable ? 1 : 0;
            }
        }

        output.WriteLine($"{compared} append-only keys compared, {failing} of them not linearizable");
        Assert.True(compared > 0);
    }

    [Fact]
    public void The_methods_agree_on_random_small_histories()
    {
        var verdicts = new Dictionary<Verdict, int>();
        var corrupted = 0;
        for (var seed = 0; seed < 3000; seed++)
        {
            var random = new Random(seed);
            var history = HistoryGenerator.AppendOnly(
                operations: random.Next(1, 20),
                clients: random.Next(1, 6),
                keys: random.Next(1, 3),
                seed,
                appends: 0.3 + (0.4 * random.NextDouble()),
                unknown: 0.15,
                latency: random.Next(1, 40)).ToList();
            var mutations = random.Next(3) == 0 ? 0 : random.Next(1, 3);
            var applied = new List<string>();
            for (var i = 0; i < mutations; i++)
            {
                applied.Add(Mutate(history, random));
            }

            corrupted += mutations > 0 ? 1 : 0;
            var fast = Checker.Check(history, Limit);
            var search = Checker.Check(history, Limit, inferAppendOrder: false);
            string? wrong = !fast.PerKey.All(k => k.Method == KeyMethod.AppendOrder) ? "append order not used"
                : search.Verdict == Verdict.Undecided ? "search undecided"
                : fast.Verdict != search.Verdict ? "the methods disagree"
                : mutations == 0 && fast.Verdict != Verdict.Linearizable ? "a generated history is not linearizable"
                : null;
            if (wrong is not null)
            {
                Assert.Fail($"{wrong}: seed {seed}, mutations [{string.Join("; ", applied)}]: append order says {fast.Verdict} ({fast.Reason}), search says {search.Verdict}; history {Json(history)}");
            }

            verdicts[fast.Verdict] = verdicts.GetValueOrDefault(fast.Verdict) + 1;
        }

        output.WriteLine($"{corrupted} of 3000 histories corrupted; verdicts: {string.Join(", ", verdicts.Select(v => $"{v.Key} {v.Value}"))}");
        Assert.True(verdicts.GetValueOrDefault(Verdict.NotLinearizable) > 300, "too few histories are not linearizable to tell anything");
        Assert.True(verdicts.GetValueOrDefault(Verdict.Linearizable) > 300, "too few histories are linearizable to tell anything");
    }

    [Fact]
    public void The_methods_agree_on_generated_histories_with_one_stale_read()
    {
        for (var seed = 0; seed < 200; seed++)
        {
            var history = HistoryGenerator.AppendOnly(operations: 24, clients: 3, keys: 1, seed, latency: 10);
            IReadOnlyList<Operation> corrupted;
            string what;
            try
            {
                corrupted = HistoryGenerator.Corrupt(history, seed, out what);
            }
            catch (ArgumentException)
            {
                continue; // no read follows an append it could lose
            }

            var fast = Checker.Check(corrupted, Limit);
            var search = Checker.Check(corrupted, Limit, inferAppendOrder: false);
            Assert.True(fast.Verdict == Verdict.NotLinearizable && search.Verdict == Verdict.NotLinearizable, $"seed {seed} ({what}): append order says {fast.Verdict}, search says {search.Verdict}");
        }
    }

    /// <summary>Changes the history at random; the result may or may not be linearizable.</summary>
    private static string Mutate(List<Operation> history, Random random)
    {
        var reads = Indexes(history, o => o is { Kind: OpKind.Get, Return: not null });
        var appends = Indexes(history, o => o.Kind == OpKind.Append);
        switch (random.Next(11))
        {
            case 0 when reads.Count > 0:
                return EditRead(history, reads, random, "dropped a value", values =>
                {
                    if (values.Count > 0)
                    {
                        values.RemoveAt(random.Next(values.Count));
                    }
                });
            case 1 when reads.Count > 0:
                return EditRead(history, reads, random, "swapped two values", values =>
                {
                    if (values.Count > 1)
                    {
                        var i = random.Next(values.Count - 1);
                        (values[i], values[i + 1]) = (values[i + 1], values[i]);
                    }
                });
            case 2 when reads.Count > 0:
                return EditRead(history, reads, random, "truncated", values => values.RemoveRange(values.Count / 2, values.Count - (values.Count / 2)));
            case 3 when reads.Count > 0 && appends.Count > 0:
                var extra = history[appends[random.Next(appends.Count)]];
                return EditRead(history, reads.Where(i => history[i].Key == extra.Key).ToList(), random, $"added {extra.Value}", values => values.Add(extra.Value!));
            case 4 when reads.Count > 0:
                return EditRead(history, reads, random, "inserted a value nobody wrote", values => values.Insert(random.Next(values.Count + 1), "nobody;"));
            case 5 when reads.Count > 0:
                return EditRead(history, reads, random, "repeated a value", values =>
                {
                    if (values.Count > 0)
                    {
                        values.Add(values[random.Next(values.Count)]);
                    }
                });
            case 6 when history.Count > 0:
                var shifted = random.Next(history.Count);
                var op = history[shifted];
                var call = Math.Max(0, op.Call + random.Next(-20, 21));
                var ret = op.Return is { } r ? Math.Max(call, r + random.Next(-20, 21)) : (long?)null;
                history[shifted] = op with { Call = call, Return = ret };
                return $"moved op {shifted} to [{call}, {ret}]";
            case 7 when appends.Count > 0:
                var failed = appends[random.Next(appends.Count)];
                history.RemoveAt(failed);
                return $"append {failed} failed";
            case 8 when history.Count > 0:
                var unknown = random.Next(history.Count);
                history[unknown] = history[unknown] with { Return = null };
                return $"op {unknown} of unknown outcome";
            case 9 when appends.Count > 0:
                var known = appends[random.Next(appends.Count)];
                history[known] = history[known] with { Return = history[known].Call + random.Next(0, 40) };
                return $"append {known} returned at {history[known].Return}";
            case 10 when reads.Count > 1:
                var (to, from) = (reads[random.Next(reads.Count)], reads[random.Next(reads.Count)]);
                if (history[to].Key != history[from].Key)
                {
                    return "nothing";
                }

                history[to] = history[to] with { Output = history[from].Output };
                return $"read {to} shows what read {from} saw";
            default:
                return "nothing";
        }
    }

    private static string EditRead(List<Operation> history, List<int> reads, Random random, string what, Action<List<string>> edit)
    {
        if (reads.Count == 0)
        {
            return "nothing";
        }

        var i = reads[random.Next(reads.Count)];
        var values = (history[i].Output ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries).Select(v => v + ";").ToList();
        edit(values);
        history[i] = history[i] with { Output = values.Count == 0 ? null : string.Concat(values) };
        return $"read {i} {what}";
    }

    private static List<int> Indexes(List<Operation> history, Func<Operation, bool> which) =>
        [.. Enumerable.Range(0, history.Count).Where(i => which(history[i]))];

    private static string Json(IEnumerable<Operation> history) => JsonSerializer.Serialize(history);
}
