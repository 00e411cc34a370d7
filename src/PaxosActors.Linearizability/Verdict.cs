namespace PaxosActors.Linearizability;

/// <summary>The outcome of a check; the numbers are <c>paxos lincheck</c>'s exit codes.</summary>
public enum Verdict
{
    Linearizable = 0,
    NotLinearizable = 1,
    Undecided = 2,
}

/// <summary>A check's verdict, with the first key that is not linearizable (or not decided).</summary>
public sealed record CheckResult(Verdict Verdict, string? Key, int Operations, int Keys, TimeSpan Elapsed);
