using Akka.Configuration;

namespace PaxosActors.Tests.Docs;

/// <summary>
/// docs/configuration.md is reference.conf's comments, rendered: it names every key the
/// shipped configuration has, with the shipped default, and nothing else.
/// </summary>
public sealed class ConfigurationDocTests
{
    private static readonly string Root = RepoRoot.Path;

    [Fact]
    public void The_configuration_page_is_what_reference_conf_renders_to()
    {
        var entries = ConfigurationReference.Read(File.ReadAllText(Path.Combine(Root, "src", "PaxosActors", "reference.conf")));
        var rendered = ConfigurationReference.Render(entries);
        var page = Path.Combine(Root, "docs", "configuration.md");
        if (Environment.GetEnvironmentVariable("PAXOS_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(page, rendered);
        }

        Assert.True(File.Exists(page), "docs/configuration.md is missing: run this test with PAXOS_UPDATE_DOCS=1 to write it.");
        Assert.True(
            File.ReadAllText(page).ReplaceLineEndings("\n") == rendered,
            "docs/configuration.md differs from what reference.conf renders to: run this test with PAXOS_UPDATE_DOCS=1 to write it again.");
    }

    [Fact]
    public void Every_shipped_key_is_on_the_page_with_its_default_and_every_value_key_has_a_comment_or_a_commented_block()
    {
        var entries = ConfigurationReference.Read(File.ReadAllText(Path.Combine(Root, "src", "PaxosActors", "reference.conf")));
        var shipped = Flatten(PaxosExtension.DefaultConfig.GetConfig("paxos-actors").Root, "paxos-actors").ToDictionary(k => k.Key, k => k.Value);
        var documented = entries.Where(e => e.Default is not null).ToDictionary(e => e.Key, e => e.Default!);

        Assert.Equal(shipped.Keys.Order(), documented.Keys.Order());
        foreach (var (key, value) in shipped)
        {
            // The page shows the literal of reference.conf; HOCON reads it to the same value.
            var literal = ConfigurationFactory.ParseString($"k = {documented[key]}").GetValue("k");
            Assert.True(Same(literal, value), $"{key}: the page says {documented[key]}, reference.conf gives {value}");
        }

        var blocks = entries.Where(e => e.Default is null && e.Comment.Count > 0).Select(e => e.Key).ToList();
        Assert.All(entries.Where(e => e.Default is not null), e =>
            Assert.True(e.Comment.Count > 0 || blocks.Any(b => e.Key.StartsWith(b + ".", StringComparison.Ordinal)), $"{e.Key} is explained nowhere"));
    }

    private static bool Same(Akka.Configuration.Hocon.HoconValue a, Akka.Configuration.Hocon.HoconValue b) =>
        a.IsArray() ? b.IsArray() && a.GetArray().Select(x => x.GetString()).SequenceEqual(b.GetArray().Select(x => x.GetString()))
        : a.IsObject() ? b.IsObject() && a.GetObject().Items.Count == 0 && b.GetObject().Items.Count == 0
        : a.GetString() == b.GetString();

    private static IEnumerable<KeyValuePair<string, Akka.Configuration.Hocon.HoconValue>> Flatten(Akka.Configuration.Hocon.HoconValue value, string prefix)
    {
        foreach (var (key, child) in value.GetObject().Items)
        {
            var path = prefix + "." + key;
            if (child.IsObject() && child.GetObject().Items.Count > 0)
            {
                foreach (var inner in Flatten(child, path))
                {
                    yield return inner;
                }
            }
            else
            {
                yield return new(path, child);
            }
        }
    }
}
