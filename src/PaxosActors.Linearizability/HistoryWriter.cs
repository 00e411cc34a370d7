using System.Text.Json;

namespace PaxosActors.Linearizability;

/// <summary>Writes a history in the format <see cref="HistoryReader"/> reads, e.g. to keep a failing one.</summary>
public static class HistoryWriter
{
    public static void Write(string file, IEnumerable<Operation> history)
    {
        var ops = history.Select(o => new Dictionary<string, object?>
        {
            ["client"] = o.Client,
            ["op"] = o.Kind.ToString().ToLowerInvariant(),
            ["key"] = o.Key,
            ["value"] = o.Value,
            ["expected"] = o.Expected,
            ["output"] = o.Output,
            ["ok"] = o.Ok,
            ["call"] = o.Call,
            ["return"] = o.Return,
            ["status"] = o.Return is null ? "info" : "ok",
        });
        File.WriteAllText(file, JsonSerializer.Serialize(new { ops }));
    }
}
