using System.Text.RegularExpressions;

namespace PaxosActors.Tests.Docs;

/// <summary>docs/metrics.md names every counter the code counts, so an operator finds each one explained.</summary>
public sealed partial class MetricsDocTests
{
    [Fact]
    public void Every_counter_in_the_code_is_in_the_metrics_page()
    {
        var root = RepoRoot.Path;
        var sources = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .ToList();
        var page = File.ReadAllText(Path.Combine(root, "docs", "metrics.md"));
        var lines = page.Split('\n');

        var names = sources.SelectMany(s => Literal().Matches(s)).Select(m => m.Groups[1].Value).Where(n => !n.EndsWith('.')).Distinct().ToList();
        var reasons = sources.SelectMany(s => DropReason().Matches(s).Concat(CatchUpStop().Matches(s))).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.True(names.Count > 50 && reasons.Count > 5, $"found {names.Count} counters and {reasons.Count} reasons: the patterns no longer match the code");

        // Named in full, or as ".outcome" on a line that names a sibling in full; a dropped
        // message's reason in the list of reasons.
        var missing = names.Where(n =>
        {
            if (n.StartsWith("dropped.", StringComparison.Ordinal))
            {
                return !page.Contains($"`{n["dropped.".Length..]}`", StringComparison.Ordinal);
            }

            var prefix = n[..n.LastIndexOf('.')];
            var last = n[(n.LastIndexOf('.') + 1)..];
            return !page.Contains($"`paxos.{n}`", StringComparison.Ordinal)
                && !lines.Any(l => l.Contains($"`paxos.{prefix}.", StringComparison.Ordinal) && l.Contains($"`.{last}`", StringComparison.Ordinal));
        }).ToList();
        missing.AddRange(reasons.Where(r => !page.Contains($"{r}`", StringComparison.Ordinal)).Select(r => "reason " + r));
        Assert.True(missing.Count == 0, "docs/metrics.md does not name: " + string.Join(", ", missing));
    }

    [GeneratedRegex(@"\.(?:Count|Record)\(""([a-z_.]+)""")]
    private static partial Regex Literal();

    [GeneratedRegex(@"new Dropped\([^;]*?""([a-z_]+)""\)")]
    private static partial Regex DropReason();

    [GeneratedRegex(@"Stop\(""([a-z_]+)""")]
    private static partial Regex CatchUpStop();
}
