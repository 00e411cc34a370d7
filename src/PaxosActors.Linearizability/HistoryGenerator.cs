using System.Text;

namespace PaxosActors.Linearizability;

/// <summary>
/// Generates append-only key-value histories that are linearizable by construction, to test
/// and time the checker. Clients run one operation at a time; each operation takes effect at a
/// random point (its linearization point) on a simulated store, and its call and return are
/// drawn around that point, so the points give a linearization. A few operations have an
/// unknown outcome: the client gives up, and an append then takes effect at some point after
/// its call, possibly after the client moved on, or never. Values are <c>c{client}.{n};</c>,
/// distinct and prefix-free, like the chaos tests' appends.
/// </summary>
public static class HistoryGenerator
{
    /// <param name="appends">Share of operations that are appends; the rest are gets.</param>
    /// <param name="unknown">Share of operations whose outcome is unknown.</param>
    /// <param name="latency">Most time units from call to linearization point, and from there to return.</param>
    public static IReadOnlyList<Operation> AppendOnly(int operations, int clients, int keys, int seed, double appends = 0.5, double unknown = 0.01, int latency = 100)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(operations);
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(keys, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(latency, 0);
        var random = new Random(seed);
        var free = new long[clients];
        var counts = new int[clients];
        for (var c = 0; c < clients; c++)
        {
            free[c] = random.Next(latency + 1);
        }

        var planned = new List<(Operation Op, long Point, bool TakesEffect)>(operations);
        for (var i = 0; i < operations; i++)
        {
            // The client that is free first calls next, so all of them stay busy and overlap.
            var client = 0;
            for (var c = 1; c < clients; c++)
            {
                client = free[c] < free[client] ? c : client;
            }

            var call = free[client] + random.Next(latency / 5 + 1);
            var point = call + random.Next(latency + 1);
            var ret = point + random.Next(latency + 1);
            free[client] = ret;
            var kind = random.NextDouble() < appends ? OpKind.Append : OpKind.Get;
            var key = "k" + random.Next(keys);
            var value = kind == OpKind.Append ? $"c{client}.{counts[client]++};" : null;
            var op = new Operation(client, kind, key, value, null, null, true, call, ret);
            var takesEffect = true;
            if (random.NextDouble() < unknown)
            {
                // The client gave up at ret; the append may still happen, even later, or not at all.
                op = op with { Return = null };
                takesEffect = kind == OpKind.Append && random.Next(2) == 0;
                point = call + random.Next(4 * latency + 1);
            }

            planned.Add((op, point, takesEffect));
        }

        // Run the operations in the order of their points (equal points in any order: each lies
        // within the other's interval, so real time does not order them).
        var state = new Dictionary<string, StringBuilder>();
        var history = new List<Operation>(operations);
        foreach (var (op, _, takesEffect) in planned.OrderBy(p => p.Point))
        {
            if (!takesEffect)
            {
                history.Add(op);
                continue;
            }

            if (!state.TryGetValue(op.Key, out var value))
            {
                state[op.Key] = value = new StringBuilder();
            }

            if (op.Kind == OpKind.Append)
            {
                value.Append(op.Value);
                history.Add(op);
            }
            else
            {
                history.Add(op with { Output = value.Length == 0 ? null : value.ToString() });
            }
        }

        history.Sort((a, b) => a.Call.CompareTo(b.Call));
        return history;
    }

    /// <summary>
    /// A copy of a generated history with one stale read: a read loses its values from one whose
    /// append returned before the read was called (the latest such value it shows) onwards. No
    /// linearization can put that append both before the read (real time) and after it (the read
    /// does not see it).
    /// </summary>
    public static IReadOnlyList<Operation> Corrupt(IReadOnlyList<Operation> history, int seed, out string what)
    {
        var random = new Random(seed);
        var appended = history.Where(o => o.Kind == OpKind.Append).ToDictionary(o => (o.Key, o.Value!));
        var reads = Enumerable.Range(0, history.Count).Where(i => history[i] is { Kind: OpKind.Get, Return: not null, Output.Length: > 0 }).ToArray();
        random.Shuffle(reads);
        foreach (var i in reads)
        {
            var read = history[i];
            var values = read.Output!.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(v => v + ";").ToList();
            var last = values.FindLastIndex(v => appended.TryGetValue((read.Key, v), out var a) && a.Return < read.Call);
            if (last < 0)
            {
                continue;
            }

            var append = appended[(read.Key, values[last])];
            var corrupted = history.ToList();
            corrupted[i] = read with { Output = last == 0 ? null : string.Concat(values.Take(last)) };
            what = $"the get by client {read.Client} at [{read.Call}, {read.Return}] on '{read.Key}' shows {last} of its {values.Count} values: " +
                $"not '{append.Value}', appended at [{append.Call}, {append.Return}], nor any after it";
            return corrupted;
        }

        throw new ArgumentException("No read shows an append that returned before the read was called.", nameof(history));
    }
}
