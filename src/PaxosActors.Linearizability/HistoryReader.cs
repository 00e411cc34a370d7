using System.Text.Json;

namespace PaxosActors.Linearizability;

/// <summary>The JSON that a history file holds is not a valid history.</summary>
public sealed class HistoryFormatException(string message) : Exception(message);

/// <summary>
/// Reads the history format of docs/linearizability.md: <c>{"ops": [...]}</c>, one
/// object per operation. Ops with <c>"status": "fail"</c> are left out (they did not happen);
/// <c>"status": "info"</c> or a missing return means the outcome is unknown.
/// </summary>
public static class HistoryReader
{
    public static IReadOnlyList<Operation> Read(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new HistoryFormatException("Not JSON: " + e.Message);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("ops", out var ops) || ops.ValueKind != JsonValueKind.Array)
            {
                throw new HistoryFormatException("Expected an object with an \"ops\" array.");
            }

            var result = new List<Operation>();
            var index = 0;
            foreach (var o in ops.EnumerateArray())
            {
                var op = Parse(o, index++);
                if (op is not null)
                {
                    result.Add(op);
                }
            }

            return result;
        }
    }

    private static Operation? Parse(JsonElement o, int index)
    {
        if (o.ValueKind != JsonValueKind.Object)
        {
            throw new HistoryFormatException($"ops[{index}] is not an object.");
        }

        var status = OptionalString(o, "status", index);
        if (status == "fail")
        {
            return null;
        }

        if (status is not null and not "ok" and not "info")
        {
            throw new HistoryFormatException($"ops[{index}]: unknown status '{status}'.");
        }

        var kind = (OptionalString(o, "op", index) ?? throw new HistoryFormatException($"ops[{index}]: no \"op\".")) switch
        {
            "get" or "read" => OpKind.Get,
            "put" or "write" => OpKind.Put,
            "append" => OpKind.Append,
            "cas" => OpKind.Cas,
            "delete" => OpKind.Delete,
            var other => throw new HistoryFormatException($"ops[{index}]: unknown op '{other}'."),
        };
        var call = Integer(o, "call", index) ?? throw new HistoryFormatException($"ops[{index}]: no \"call\".");
        var ret = status == "info" ? null : Integer(o, "return", index);
        if (ret < call)
        {
            throw new HistoryFormatException($"ops[{index}]: returns at {ret} before its call at {call}.");
        }

        var key = OptionalString(o, "key", index) ?? throw new HistoryFormatException($"ops[{index}]: no \"key\".");
        var value = OptionalString(o, "value", index);
        if (kind is OpKind.Put or OpKind.Append or OpKind.Cas && value is null)
        {
            throw new HistoryFormatException($"ops[{index}]: a {kind} needs a \"value\".");
        }

        var ok = !o.TryGetProperty("ok", out var okElement) || okElement.ValueKind != JsonValueKind.False;
        return new Operation((int)(Integer(o, "client", index) ?? -1), kind, key, value, OptionalString(o, "expected", index), OptionalString(o, "output", index), ok, call, ret);
    }

    private static string? OptionalString(JsonElement o, string name, int index) =>
        !o.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null ? null
        : e.ValueKind == JsonValueKind.String ? e.GetString()
        : e.ValueKind == JsonValueKind.Number ? e.GetRawText()
        : throw new HistoryFormatException($"ops[{index}].{name} must be a string.");

    private static long? Integer(JsonElement o, string name, int index) =>
        !o.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null ? null
        : e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var v) ? v
        : throw new HistoryFormatException($"ops[{index}].{name} must be an integer.");
}
