using System.Diagnostics;

namespace PaxosActors.Linearizability;

/// <summary>
/// Checks a key-value history for linearizability. Keys are independent registers, so each is
/// checked on its own (P-compositionality); the history is linearizable iff every key's is.
/// </summary>
public static class Checker
{
    public static CheckResult Check(IReadOnlyList<Operation> history, TimeSpan timeLimit)
    {
        var clock = Stopwatch.StartNew();

        // A failed op did not happen; a read whose answer never came constrains nothing.
        var relevant = history.Where(o => o.Return is not null || o.Kind != OpKind.Get).ToList();
        var keys = relevant.GroupBy(o => o.Key).OrderBy(g => g.Count()).ToList();
        string? undecided = null;
        foreach (var key in keys)
        {
            var result = new KeySearch(key.ToList()).Run(clock, timeLimit);
            if (result == false)
            {
                return new CheckResult(Verdict.NotLinearizable, key.Key, history.Count, keys.Count, clock.Elapsed);
            }

            undecided ??= result is null ? key.Key : null;
        }

        return new CheckResult(undecided is null ? Verdict.Linearizable : Verdict.Undecided, undecided, history.Count, keys.Count, clock.Elapsed);
    }
}
