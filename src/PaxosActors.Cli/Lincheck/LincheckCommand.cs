using PaxosActors.Linearizability;

namespace PaxosActors.Cli.Lincheck;

/// <summary>
/// `paxos lincheck FILE`: checks a key-value history. Exit code 0 linearizable, 1 not,
/// 2 undecided within the time limit, 3 bad input.
/// </summary>
internal static class LincheckCommand
{
    public const int BadInput = 3;

    public static int Run(string file, TimeSpan timeLimit, TextWriter output, TextWriter error)
    {
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

        var result = Checker.Check(history, timeLimit);
        var where = result.Key is null ? string.Empty : $" (key '{result.Key}')";
        output.WriteLine($"{file}: {Describe(result.Verdict)}{where}: {result.Operations} operations on {result.Keys} keys in {result.Elapsed.TotalMilliseconds:F1} ms");
        return (int)result.Verdict;
    }

    private static string Describe(Verdict verdict) => verdict switch
    {
        Verdict.Linearizable => "linearizable",
        Verdict.NotLinearizable => "NOT linearizable",
        _ => "undecided within the time limit",
    };
}
