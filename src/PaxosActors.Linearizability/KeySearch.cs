using System.Diagnostics;

namespace PaxosActors.Linearizability;

/// <summary>
/// Wing-Gong-Lowe search for one key, with Lowe's cache of (linearized set, state) pairs. Ops
/// whose outcome is unknown never return, so they may be placed anywhere after their call or
/// left out; the history is linearizable once every op that returned has been placed.
/// </summary>
internal sealed class KeySearch
{
    private readonly Operation[] _ops;
    private readonly Node _head = new(-1, isCall: false, time: long.MinValue);
    private readonly int _required;

    public KeySearch(IReadOnlyList<Operation> ops)
    {
        _ops = [.. ops];
        var events = new List<Node>(_ops.Length * 2);
        for (var i = 0; i < _ops.Length; i++)
        {
            var call = new Node(i, isCall: true, _ops[i].Call);
            var ret = new Node(i, isCall: false, _ops[i].Return ?? long.MaxValue);
            call.Match = ret;
            events.Add(call);
            events.Add(ret);
        }

        // Intervals are closed: at equal times calls go first, so touching ops count as concurrent.
        events.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : b.IsCall.CompareTo(a.IsCall));
        var previous = _head;
        foreach (var e in events)
        {
            previous.Next = e;
            e.Previous = previous;
            previous = e;
        }

        _required = _ops.Count(o => o.Return is not null);
    }

    /// <summary>True, false, or null when <paramref name="deadline"/> passed first.</summary>
    public bool? Run(Stopwatch clock, TimeSpan deadline)
    {
        var linearized = new BitSet(_ops.Length);
        var cache = new HashSet<(BitSet, string?)>();
        var stack = new Stack<(Node Call, string? State)>();
        string? state = null;
        var remaining = _required;
        var entry = _head.Next;
        long steps = 0;
        while (remaining > 0)
        {
            if ((++steps & 0xFFF) == 0 && clock.Elapsed > deadline)
            {
                return null;
            }

            if (entry is null)
            {
                return false;
            }

            if (entry.IsCall)
            {
                var op = _ops[entry.Op];
                if (KvModel.Step(state, op, out var next))
                {
                    var after = linearized.With(entry.Op);
                    if (cache.Add((after, next)))
                    {
                        stack.Push((entry, state));
                        state = next;
                        linearized = after;
                        if (op.Return is not null)
                        {
                            remaining--;
                        }

                        Lift(entry);
                        entry = _head.Next;
                        continue;
                    }
                }

                entry = entry.Next;
                continue;
            }

            // A return before its op was placed: undo the last placement and try what follows it.
            if (stack.Count == 0)
            {
                return false;
            }

            var (call, before) = stack.Pop();
            state = before;
            linearized = linearized.Without(call.Op);
            if (_ops[call.Op].Return is not null)
            {
                remaining++;
            }

            Unlift(call);
            entry = call.Next;
        }

        return true;
    }

    private static void Lift(Node call)
    {
        call.Previous!.Next = call.Next;
        call.Next!.Previous = call.Previous;
        var ret = call.Match!;
        ret.Previous!.Next = ret.Next;
        if (ret.Next is not null)
        {
            ret.Next.Previous = ret.Previous;
        }
    }

    private static void Unlift(Node call)
    {
        var ret = call.Match!;
        ret.Previous!.Next = ret;
        if (ret.Next is not null)
        {
            ret.Next.Previous = ret;
        }

        call.Previous!.Next = call;
        call.Next!.Previous = call;
    }

    private sealed class Node(int op, bool isCall, long time)
    {
        public int Op { get; } = op;

        public bool IsCall { get; } = isCall;

        public long Time { get; } = time;

        public Node? Match { get; set; }

        public Node? Previous { get; set; }

        public Node? Next { get; set; }
    }
}
