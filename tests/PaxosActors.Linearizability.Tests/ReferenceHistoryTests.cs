using System.Diagnostics;
using Xunit.Abstractions;

namespace PaxosActors.Linearizability.Tests;

/// <summary>
/// Every history in histories/ gets the verdict histories/expected.txt gives it: Jepsen's etcd
/// register histories and Porcupine's key-value histories.
/// </summary>
public sealed class ReferenceHistoryTests(ITestOutputHelper output)
{
    // The build copies histories/ next to the test assembly.
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "histories");

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
}
