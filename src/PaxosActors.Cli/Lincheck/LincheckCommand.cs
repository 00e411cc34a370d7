using System.Diagnostics;
using PaxosActors.Linearizability;

namespace PaxosActors.Cli.Lincheck;

/// <summary>
/// `paxos lincheck FILE`: checks a key-value history. Exit code 0 linearizable, 1 not,
/// 2 undecided within the time limit, 3 bad input. Reports how each key was decided (inferred
/// append order or search) and how long it took. With --generate, first writes a generated
/// append-only history to FILE.
/// </summary>
internal static class LincheckCommand
{
    public const int BadInput = 3;

    private const int KeysShown = 10;

    public static int Run(string file, TimeSpan timeLimit, TextWriter output, TextWriter error, bool inferAppendOrder = true)
    {
        var reading = Stopwatch.StartNew();
        IReadOnlyList<Operation> history;
        try
        {
            history = HistoryReader.Read(File.ReadAllText(file));
        }
        catch (Exception e) when (e is HistoryFormatException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{file}: {e.Message}");
            return BadInput;
        }

        var read = reading.Elapsed;
        var result = Checker.Check(history, timeLimit, inferAppendOrder);
        var where = result.Key is null ? string.Empty : $" (key '{result.Key}')";
        output.WriteLine($"{file}: {Describe(result.Verdict)}{where}: {result.Operations} operations on {result.Keys} keys in {Ms(result.Elapsed)} (file read in {Ms(read)})");
        if (result.Reason is { } reason)
        {
            output.WriteLine($"  why: {reason}");
        }

        var byOrder = result.PerKey.Where(k => k.Method == KeyMethod.AppendOrder).ToList();
        var bySearch = result.PerKey.Where(k => k.Method == KeyMethod.Search).ToList();
        var skipped = result.Keys - result.PerKey.Count;
        output.WriteLine($"  {byOrder.Count} keys by append order in {Ms(Total(byOrder))}, {bySearch.Count} by search in {Ms(Total(bySearch))}" +
            (skipped > 0 ? $", {skipped} not checked after the failure" : string.Empty));

        // Every key when few; else the slowest, and the key the verdict names.
        var shown = result.PerKey.Count <= KeysShown ? result.PerKey
            : [.. result.PerKey.Where(k => k.Key == result.Key || result.PerKey.OrderByDescending(s => s.Elapsed).Take(KeysShown).Contains(k))];
        if (shown.Count < result.PerKey.Count)
        {
            output.WriteLine($"  the {KeysShown} slowest keys:");
        }

        foreach (var k in shown)
        {
            output.WriteLine($"  key '{k.Key}': {(k.Method == KeyMethod.AppendOrder ? "append order" : "search")}, {Describe(k.Verdict)}, {k.Operations} operations, {Ms(k.Elapsed)}");
        }

        return (int)result.Verdict;
    }

    /// <summary>Writes a generated append-only history (<see cref="HistoryGenerator"/>) to <paramref name="file"/>.</summary>
    public static int Generate(string file, int operations, int clients, int keys, int seed, bool corrupt, TextWriter output, TextWriter error)
    {
        if (operations < 1 || clients < 1 || keys < 1)
        {
            error.WriteLine("--generate, --clients and --keys must be positive.");
            return BadInput;
        }

        var history = HistoryGenerator.AppendOnly(operations, clients, keys, seed);
        var what = string.Empty;
        if (corrupt)
        {
            try
            {
                history = HistoryGenerator.Corrupt(history, seed, out what);
            }
            catch (ArgumentException e)
            {
                error.WriteLine($"Cannot corrupt this history: {e.Message}");
                return BadInput;
            }
        }

        try
        {
            HistoryWriter.Write(file, history);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{file}: {e.Message}");
            return BadInput;
        }

        output.WriteLine($"{file}: generated {operations} operations of {clients} clients on {keys} append-only keys, seed {seed}" + (corrupt ? $"; corrupted: {what}" : ", linearizable by construction"));
        return 0;
    }

    private static TimeSpan Total(IEnumerable<KeyCheck> keys) => TimeSpan.FromTicks(keys.Sum(k => k.Elapsed.Ticks));

    private static string Ms(TimeSpan t) => $"{t.TotalMilliseconds:F1} ms";

    private static string Describe(Verdict verdict) => verdict switch
    {
        Verdict.Linearizable => "linearizable",
        Verdict.NotLinearizable => "NOT linearizable",
        _ => "undecided within the time limit",
    };
}
