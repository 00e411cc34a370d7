using System.Text;
using System.Text.RegularExpressions;

namespace PaxosActors.Tests.Docs;

/// <summary>
/// Renders <c>paxos-actors</c> of <c>reference.conf</c> as Markdown: every key with its default
/// and the comment written above it (or above the block it opens). The comments in
/// reference.conf are the one place the settings are explained; docs/configuration.md is made
/// from them, and <see cref="ConfigurationDocTests"/> fails when the two drift apart.
/// </summary>
internal static partial class ConfigurationReference
{
    internal sealed record Entry(string Key, string? Default, IReadOnlyList<string> Comment);

    /// <summary>The keys under <c>paxos-actors</c> in file order: blocks (Default null) and values.</summary>
    public static IReadOnlyList<Entry> Read(string referenceConf)
    {
        var entries = new List<Entry>();
        var path = new List<string>();
        var comment = new List<string>();
        foreach (var raw in referenceConf.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('#'))
            {
                comment.Add(line.Length > 1 && line[1] == ' ' ? line[2..] : line[1..]);
                continue;
            }

            if (line.Length == 0)
            {
                comment.Clear();
                continue;
            }

            if (line == "}")
            {
                path.RemoveAt(path.Count - 1);
                comment.Clear();
                continue;
            }

            var empty = EmptyBlock().Match(line);
            if (empty.Success && path.Count > 0 && path[0] == "paxos-actors")
            {
                entries.Add(new Entry(string.Join('.', path) + "." + empty.Groups[1].Value, "{}", [.. comment]));
                comment.Clear();
                continue;
            }

            var open = BlockOpen().Match(line);
            if (open.Success)
            {
                path.Add(open.Groups[1].Value);
                if (path[0] == "paxos-actors" && path.Count > 1)
                {
                    entries.Add(new Entry(string.Join('.', path), null, [.. comment]));
                }

                comment.Clear();
                continue;
            }

            var value = KeyValue().Match(line);
            if (value.Success && path.Count > 0 && path[0] == "paxos-actors")
            {
                entries.Add(new Entry(string.Join('.', path) + "." + value.Groups[1].Value, value.Groups[2].Value.Trim(), [.. comment]));
            }

            comment.Clear();
        }

        return entries;
    }

    /// <summary>The Markdown of docs/configuration.md.</summary>
    public static string Render(IReadOnlyList<Entry> entries)
    {
        var md = new StringBuilder();
        md.Append("""
            # Configuration reference

            Every setting under `paxos-actors`, with its default, in the order of
            [`src/PaxosActors/reference.conf`](../src/PaxosActors/reference.conf). This page is made
            from that file's comments: `ConfigurationDocTests` fails when the two differ, and
            `PAXOS_UPDATE_DOCS=1 dotnet test tests/PaxosActors.Tests -c Release --filter ConfigurationDocTests`
            writes it again. Settings are checked when a group starts: a bad value stops it with a
            message naming the key (`PaxosSettings`).

            Akka's own settings that PaxosActors reads are named where they matter:
            `akka.remote.dot-netty.tcp` (hostname, port, `maximum-frame-size`; the transport reads
            them whichever one runs, see [security.md](security.md)) and
            `akka.persistence.journal.plugin`.

            """);
        // The keys directly under paxos-actors first, then each block in file order, so that a
        // key never reads as part of the block above it.
        var blocks = entries.Where(e => e.Default is null).ToList();
        var sections = new List<(string Key, IReadOnlyList<string> Comment)> { ("paxos-actors", []) };
        sections.AddRange(blocks.Select(b => (b.Key, b.Comment)));
        foreach (var (key, comment) in sections)
        {
            md.Append($"\n{new string('#', key.Count(c => c == '.') + 2)} `{key}`\n");
            foreach (var paragraph in Paragraphs(comment))
            {
                md.Append('\n').Append(paragraph).Append('\n');
            }

            foreach (var entry in entries.Where(e => e.Default is not null && e.Key[..e.Key.LastIndexOf('.')] == key))
            {
                md.Append($"\n- **`{entry.Key[(key.Length + 1)..]}`** = `{entry.Default}`\n");
                foreach (var paragraph in Paragraphs(entry.Comment))
                {
                    md.Append("\n  ").Append(paragraph.Replace("\n", "\n  ", StringComparison.Ordinal)).Append('\n');
                }
            }
        }

        return md.ToString();
    }

    /// <summary>Comment lines as text paragraphs; indented example lines (two spaces or more) as code.</summary>
    private static IEnumerable<string> Paragraphs(IReadOnlyList<string> comment)
    {
        var text = new List<string>();
        var code = new List<string>();
        foreach (var line in comment)
        {
            if (line.StartsWith("  ", StringComparison.Ordinal))
            {
                code.Add(line.Trim());
                continue;
            }

            if (code.Count > 0)
            {
                yield return Flush(text) + "\n\n```hocon\n" + string.Join('\n', code) + "\n```";
                text.Clear();
                code.Clear();
            }

            text.Add(line);
        }

        if (code.Count > 0)
        {
            yield return Flush(text) + "\n\n```hocon\n" + string.Join('\n', code) + "\n```";
        }
        else if (text.Count > 0)
        {
            yield return Flush(text);
        }
    }

    private static string Flush(List<string> text) => string.Join(' ', text);

    [GeneratedRegex(@"^([A-Za-z0-9_-]+)\s*\{\s*\}$")]
    private static partial Regex EmptyBlock();

    [GeneratedRegex(@"^([A-Za-z0-9_.-]+)\s*\{$")]
    private static partial Regex BlockOpen();

    [GeneratedRegex(@"^([A-Za-z0-9_-]+)\s*=\s*(.+)$")]
    private static partial Regex KeyValue();
}
