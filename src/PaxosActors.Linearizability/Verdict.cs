namespace PaxosActors.Linearizability;

/// <summary>The outcome of a check; the numbers are <c>paxos lincheck</c>'s exit codes.</summary>
public enum Verdict
{
    Linearizable = 0,
    NotLinearizable = 1,
    Undecided = 2,
}

/// <summary>How a key was decided.</summary>
public enum KeyMethod
{
    /// <summary>The order of the appends inferred from the reads, and a topological sort (append-only keys).</summary>
    AppendOrder,

    /// <summary>The Wing–Gong–Lowe search over the key's operations (any key).</summary>
    Search,
}

/// <summary>
/// A check's verdict, with the first key that is not linearizable (or not decided), and each key
/// checked: in order, up to and including the first that is not linearizable.
/// </summary>
public sealed record CheckResult(Verdict Verdict, string? Key, int Operations, int Keys, TimeSpan Elapsed, IReadOnlyList<KeyCheck> PerKey)
{
    /// <summary>Why <see cref="Key"/> is not linearizable, when the method can tell.</summary>
    public string? Reason => PerKey.LastOrDefault(k => k.Key == Key)?.Reason;
}

/// <summary>How one key was decided, its verdict, and how long it took.</summary>
public sealed record KeyCheck(string Key, KeyMethod Method, Verdict Verdict, int Operations, TimeSpan Elapsed, string? Reason);
