using System.Diagnostics;

namespace PaxosActors.Linearizability;

/// <summary>
/// Checks a key-value history for linearizability. Keys are independent registers, so each is
/// checked on its own (P-compositionality); the history is linearizable iff every key's is.
/// An append-only key with distinct values is decided by inferring the order of its appends
/// (<see cref="AppendOrder"/>, no search); every other key by the Wing–Gong–Lowe search.
/// </summary>
public static class Checker
{
    /// <summary>
    /// Whether <see cref="Check"/> decides a key with this history (all of one key) by inferring
    /// the order of its appends: only appends and gets, append values distinct, non-empty and
    /// none a prefix of another.
    /// </summary>
    public static bool InfersAppendOrder(IReadOnlyList<Operation> keyHistory) => AppendOrder.Applies(keyHistory);

    /// <param name="inferAppendOrder">False to search every key, e.g. to compare the two methods.</param>
    public static CheckResult Check(IReadOnlyList<Operation> history, TimeSpan timeLimit, bool inferAppendOrder = true)
    {
        var clock = Stopwatch.StartNew();

        // A failed op did not happen; a read whose answer never came constrains nothing.
        var relevant = history.Where(o => o.Return is not null || o.Kind != OpKind.Get).ToList();

        // Append-only keys first: they take linear time and never run out of it.
        var keys = relevant.GroupBy(o => o.Key)
            .Select(g => (g.Key, Ops: g.ToList()))
            .Select(k => (k.Key, k.Ops, Method: inferAppendOrder && AppendOrder.Applies(k.Ops) ? KeyMethod.AppendOrder : KeyMethod.Search))
            .OrderBy(k => k.Method == KeyMethod.AppendOrder ? 0 : 1)
            .ThenBy(k => k.Ops.Count)
            .ToList();
        var checks = new List<KeyCheck>();
        string? undecided = null;
        foreach (var (key, ops, method) in keys)
        {
            var started = clock.Elapsed;
            Verdict verdict;
            string? reason = null;
            if (method == KeyMethod.AppendOrder)
            {
                reason = AppendOrder.Check(ops);
                verdict = reason is null ? Verdict.Linearizable : Verdict.NotLinearizable;
            }
            else
            {
                var found = new KeySearch(ops).Run(clock, timeLimit);
                verdict = found switch { true => Verdict.Linearizable, false => Verdict.NotLinearizable, null => Verdict.Undecided };
                reason = found == false ? "no order of its operations explains every result" : null;
            }

            checks.Add(new KeyCheck(key, method, verdict, ops.Count, clock.Elapsed - started, reason));
            if (verdict == Verdict.NotLinearizable)
            {
                return new CheckResult(Verdict.NotLinearizable, key, history.Count, keys.Count, clock.Elapsed, checks);
            }

            undecided ??= verdict == Verdict.Undecided ? key : null;
        }

        return new CheckResult(undecided is null ? Verdict.Linearizable : Verdict.Undecided, undecided, history.Count, keys.Count, clock.Elapsed, checks);
    }
}
