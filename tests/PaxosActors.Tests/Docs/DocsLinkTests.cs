using System.Text.RegularExpressions;

namespace PaxosActors.Tests.Docs;

/// <summary>Every relative link in the README and docs/ points at a file or folder of the repository.</summary>
public sealed partial class DocsLinkTests
{
    [Fact]
    public void Every_relative_link_in_the_docs_resolves()
    {
        var pages = Directory.GetFiles(Path.Combine(RepoRoot.Path, "docs"), "*.md").Append(Path.Combine(RepoRoot.Path, "README.md"));
        var broken = new List<string>();
        var links = 0;
        foreach (var page in pages)
        {
            foreach (Match m in Link().Matches(File.ReadAllText(page)))
            {
                var target = m.Groups[1].Value.Split('#')[0];
                if (target.Length == 0 || target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                links++;
                var path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, target));
                if (!File.Exists(path) && !Directory.Exists(path))
                {
                    broken.Add($"{Path.GetRelativePath(RepoRoot.Path, page)}: {m.Groups[1].Value}");
                }
            }
        }

        Assert.True(links > 50, $"only {links} relative links found: the pattern no longer matches the pages");
        Assert.True(broken.Count == 0, string.Join("\n", broken));
    }

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();
}
