using System.Diagnostics;
using Xunit.Abstractions;

namespace PaxosActors.Linearizability.Tests;

/// <summary>
/// Every history in shared/linearizability gets the verdict expected.txt gives it: Jepsen's
/// etcd register histories and Porcupine's key-value histories.
/// </summary>
public sealed class ReferenceHistoryTests(ITestOutputHelper output)
{
    private static readonly string Folder = FindFolder();

    public static TheoryData<string, bool> Expected()
    {
        var data = new TheoryData<string, bool>();
        foreach (var line in File.ReadAllLines(Path.Combine(Folder, "expected.txt")).Where(l => l.Trim().Length > 0))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            data.Add(parts[0], bool.Parse(parts[1]));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Expected))]
    public void The_checker_agrees_with_the_known_verdict(string file, bool linearizable)
    {
        var history = HistoryReader.Read(File.ReadAllText(Path.Combine(Folder, file)));
        var clock = Stopwatch.StartNew();
        var result = Checker.Check(history, TimeSpan.FromSeconds(30));
        output.WriteLine($"{file}: {result.Verdict} ({history.Count} ops, {result.Keys} keys) in {clock.Elapsed.TotalMilliseconds:F1} ms");
        Assert.Equal(linearizable ? Verdict.Linearizable : Verdict.NotLinearizable, result.Verdict);
    }

    private static string FindFolder()
    {
        if (Environment.GetEnvironmentVariable("PAXOS_LINEARIZABILITY_DIR") is { Length: > 0 } configured)
        {
            return configured;
        }

        for (var dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            var candidate = Path.Combine(dir, "shared", "linearizability");
            if (File.Exists(Path.Combine(candidate, "expected.txt")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("shared/linearizability not found above " + AppContext.BaseDirectory + "; set PAXOS_LINEARIZABILITY_DIR.");
    }
}
