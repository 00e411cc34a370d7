using System.Text;

namespace PaxosActors.Linearizability;

/// <summary>
/// Decides one append-only key without searching, by inferring the order of its appends from
/// its reads, as Jepsen's Elle does for list-append histories. It applies when every write to
/// the key is an <c>append</c> of a non-empty value that no other append of the key writes and
/// that is no prefix of another's (<see cref="Applies"/>): then a read's string splits into
/// appended values in exactly one way, and equal strings are equal sequences. Time: linear in
/// the operations and the length of the longest read, plus sorting.
/// </summary>
/// <remarks>
/// <para>Why it is exact. In any linearization the key's state is the sequence of the appends
/// placed so far, and a read returns it. So:</para>
/// <list type="number">
/// <item>Every read is a sequence of distinct appended values, and all reads are prefixes of one
/// another, hence of the longest read L = a1..am. A read showing a value no append wrote (a
/// failed append counts: the history leaves it out), or one value twice, or two reads neither
/// of which is a prefix of the other: not linearizable.</item>
/// <item>The appends in L take effect in L's order. Any other append that takes effect comes
/// after am, so after every read (none sees it). An append that returned must take effect (the
/// set U); one of unknown outcome that no read shows can be left out, since leaving it out
/// changes no read and only removes constraints.</item>
/// <item>A linearization is therefore a total order of the reads, a1..am and U that contains
/// these precedences: version order ai → ai+1; a read r that saw k values comes after ak and
/// before ak+1 (or, when k = m, before every u in U); am → u for u in U; and real time:
/// x → y whenever x returned before y was called (intervals are closed, so touching operations
/// are concurrent; an operation of unknown outcome never returns). Conversely, any topological
/// order of this graph is a linearization: it keeps real time, holds every operation that
/// returned, and puts each read of length k after a1..ak and before ak+1..am and U, so the
/// read sees exactly its k values.</item>
/// <item>Hence the key is linearizable iff the graph has no cycle, which Kahn's topological sort
/// decides. Real-time edges would be quadratic, so they go through one extra node per distinct
/// return time, chained in time order: x → (x's return) → … → (the latest return before y's
/// call) → y. A path from x to y through that chain exists exactly when x returned before y was
/// called, so the chain adds no order the history does not have.</item>
/// </list>
/// <para>The pairwise conditions one might check by hand are cycles of this graph: a read that
/// returned before ak was called yet saw it (ak → r, r before ak in real time); a read that
/// misses an append that returned before the read was called (r → ak+1 ⇝ ai, ai before r in real
/// time); appends seen in an order that contradicts real time (ai → … → aj, aj returned before ai
/// was called); a read that returned before another was called yet saw more (r2 → ak2+1 ⇝ ak1 →
/// r1, r1 before r2 in real time); a completed append no read saw, though it returned before some
/// read was called (r → u via the tail, u before r in real time).</para>
/// </remarks>
internal static class AppendOrder
{
    private const int DescribedOperations = 8;

    /// <summary>
    /// Whether this method decides the key: only appends and gets, and the append values are
    /// non-empty, distinct and prefix-free.
    /// </summary>
    public static bool Applies(IReadOnlyList<Operation> ops)
    {
        var values = new List<string>();
        foreach (var op in ops)
        {
            switch (op.Kind)
            {
                case OpKind.Get:
                    break;
                case OpKind.Append when !string.IsNullOrEmpty(op.Value):
                    values.Add(op.Value);
                    break;
                default:
                    return false;
            }
        }

        // In ordinal order a value that is a prefix of another (or equal to it) is a prefix of
        // the next one, since everything sorted between them starts with it too.
        values.Sort(StringComparer.Ordinal);
        for (var i = 1; i < values.Count; i++)
        {
            if (values[i].StartsWith(values[i - 1], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Null when the key's history (all of one key, <see cref="Applies"/> true) is
    /// linearizable, else why not. Reads without a return are ignored.
    /// </summary>
    public static string? Check(IReadOnlyList<Operation> ops)
    {
        var appends = new List<Operation>();
        var reads = new List<Operation>();
        foreach (var op in ops)
        {
            if (op.Kind == OpKind.Append)
            {
                appends.Add(op);
            }
            else if (op.Return is not null)
            {
                reads.Add(op);
            }
        }

        var values = new Values(appends);

        // 1. The longest read gives the order of the appends it shows.
        Operation? longest = null;
        foreach (var r in reads)
        {
            if (longest is null || Text(r).Length > Text(longest).Length)
            {
                longest = r;
            }
        }

        var seen = longest is null ? string.Empty : Text(longest);
        var order = new List<int>();
        var countAt = new int[seen.Length + 1];
        Array.Fill(countAt, -1);
        countAt[0] = 0;
        if (values.Split(seen, order, countAt) is { } wrong)
        {
            return $"{DescribeRead(longest!, null)} {wrong}";
        }

        // 2. Every read is a prefix of it, ending between two values.
        var saw = new int[reads.Count];
        for (var i = 0; i < reads.Count; i++)
        {
            var text = Text(reads[i]);
            if (text.Length <= seen.Length && countAt[text.Length] >= 0 && seen.AsSpan().StartsWith(text))
            {
                saw[i] = countAt[text.Length];
                continue;
            }

            return values.Split(text, [], null) is { } bad
                ? $"{DescribeRead(reads[i], null)} {bad}"
                : $"{DescribeRead(reads[i], null)} and {DescribeRead(longest!, order.Count)} saw the appends in different orders: neither is a prefix of the other";
        }

        // 3. The precedence graph, and 4. its topological sort.
        var graph = new Graph(appends, reads, order, saw);
        return graph.FindCycle() is { } cycle ? "no order fits: " + graph.Describe(cycle) : null;
    }

    private static string Text(Operation read) => read.Output ?? string.Empty;

    private static string Short(string value) => value.Length <= 24 ? value : value[..21] + "...";

    private static string When(Operation op) => $"[{op.Call}, {(op.Return is { } r ? r : "?")}]";

    private static string DescribeAppend(Operation op) => $"append '{Short(op.Value!)}' by client {op.Client} {When(op)}";

    private static string DescribeRead(Operation op, int? saw) =>
        $"get by client {op.Client} {When(op)}" + (saw is { } k ? $" that saw {k} value{(k == 1 ? string.Empty : "s")}" : string.Empty);

    /// <summary>The appended values, for splitting a read into them.</summary>
    private sealed class Values
    {
        private readonly Dictionary<string, int> _index;
        private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
        private readonly int[] _lengths;

        public Values(List<Operation> appends)
        {
            _index = new Dictionary<string, int>(appends.Count, StringComparer.Ordinal);
            for (var i = 0; i < appends.Count; i++)
            {
                _index.Add(appends[i].Value!, i);
            }

            _lookup = _index.GetAlternateLookup<ReadOnlySpan<char>>();
            _lengths = [.. _index.Keys.Select(v => v.Length).Distinct().Order()];
        }

        /// <summary>
        /// Splits <paramref name="text"/> into appends (indexes into <paramref name="order"/>,
        /// and the count so far at each value's end into <paramref name="countAt"/>); null when
        /// it splits, else what is wrong. Prefix-free values match at most one per position.
        /// </summary>
        public string? Split(string text, List<int> order, int[]? countAt)
        {
            var used = new HashSet<int>();
            var position = 0;
            while (position < text.Length)
            {
                var found = -1;
                var length = 0;
                foreach (var l in _lengths)
                {
                    if (l > text.Length - position)
                    {
                        break;
                    }

                    if (_lookup.TryGetValue(text.AsSpan(position, l), out var i))
                    {
                        found = i;
                        length = l;
                        break;
                    }
                }

                if (found < 0)
                {
                    return $"shows '{Short(text[position..])}' after {order.Count} appended values, and no append wrote that (nor is it a failed append, which did not happen)";
                }

                if (!used.Add(found))
                {
                    return $"shows the value '{Short(text.Substring(position, length))}' twice, though one append wrote it";
                }

                order.Add(found);
                position += length;
                if (countAt is not null)
                {
                    countAt[position] = order.Count;
                }
            }

            return null;
        }
    }

    /// <summary>
    /// Nodes: the appends, then the reads, then the tail (after every seen append and every read
    /// that saw them all, before the appends no read saw), then one node per return time.
    /// </summary>
    private sealed class Graph
    {
        private readonly List<Operation> _appends;
        private readonly List<Operation> _reads;
        private readonly int[] _saw;
        private readonly int _tail;
        private readonly int _nodes;
        private readonly int[] _start;
        private readonly int[] _targets;

        public Graph(List<Operation> appends, List<Operation> reads, List<int> order, int[] saw)
        {
            _appends = appends;
            _reads = reads;
            _saw = saw;
            _tail = appends.Count + reads.Count;
            var m = order.Count;
            var seen = new bool[appends.Count];
            foreach (var a in order)
            {
                seen[a] = true;
            }

            var from = new List<int>();
            var to = new List<int>();
            void Edge(int x, int y)
            {
                from.Add(x);
                to.Add(y);
            }

            for (var p = 1; p < m; p++)
            {
                Edge(order[p - 1], order[p]);
            }

            for (var j = 0; j < reads.Count; j++)
            {
                var k = saw[j];
                if (k > 0)
                {
                    Edge(order[k - 1], appends.Count + j);
                }

                Edge(appends.Count + j, k < m ? order[k] : _tail);
            }

            if (m > 0)
            {
                Edge(order[m - 1], _tail);
            }

            // Included: every read, every seen append, every append that returned (an unseen
            // append of unknown outcome is left out: it never happened).
            var included = new List<(int Node, Operation Op)>();
            for (var i = 0; i < appends.Count; i++)
            {
                if (!seen[i] && appends[i].Return is not null)
                {
                    Edge(_tail, i);
                }

                if (seen[i] || appends[i].Return is not null)
                {
                    included.Add((i, appends[i]));
                }
            }

            for (var j = 0; j < reads.Count; j++)
            {
                included.Add((appends.Count + j, reads[j]));
            }

            var times = included.Where(x => x.Op.Return is not null).Select(x => x.Op.Return!.Value).Distinct().Order().ToArray();
            var first = _tail + 1;
            _nodes = first + times.Length;
            for (var t = 1; t < times.Length; t++)
            {
                Edge(first + t - 1, first + t);
            }

            foreach (var (node, op) in included)
            {
                if (op.Return is { } ret)
                {
                    Edge(node, first + Array.BinarySearch(times, ret));
                }

                // The latest return strictly before the call.
                var before = LowerBound(times, op.Call) - 1;
                if (before >= 0)
                {
                    Edge(first + before, node);
                }
            }

            _start = new int[_nodes + 1];
            foreach (var x in from)
            {
                _start[x + 1]++;
            }

            for (var v = 0; v < _nodes; v++)
            {
                _start[v + 1] += _start[v];
            }

            _targets = new int[to.Count];
            var fill = (int[])_start.Clone();
            for (var e = 0; e < from.Count; e++)
            {
                _targets[fill[from[e]]++] = to[e];
            }
        }

        /// <summary>Null when the graph is acyclic (Kahn's algorithm), else a cycle's nodes in order.</summary>
        public List<int>? FindCycle()
        {
            var indegree = new int[_nodes];
            foreach (var y in _targets)
            {
                indegree[y]++;
            }

            var ready = new Queue<int>();
            for (var v = 0; v < _nodes; v++)
            {
                if (indegree[v] == 0)
                {
                    ready.Enqueue(v);
                }
            }

            var sorted = 0;
            while (ready.TryDequeue(out var v))
            {
                sorted++;
                for (var e = _start[v]; e < _start[v + 1]; e++)
                {
                    if (--indegree[_targets[e]] == 0)
                    {
                        ready.Enqueue(_targets[e]);
                    }
                }
            }

            if (sorted == _nodes)
            {
                return null;
            }

            // Every node left over has a predecessor left over: walk back until one repeats.
            var predecessors = new List<int>[_nodes];
            for (var x = 0; x < _nodes; x++)
            {
                for (var e = _start[x]; e < _start[x + 1]; e++)
                {
                    var y = _targets[e];
                    if (indegree[x] > 0 && indegree[y] > 0)
                    {
                        (predecessors[y] ??= []).Add(x);
                    }
                }
            }

            var step = new int[_nodes];
            Array.Fill(step, -1);
            var walk = new List<int>();
            var node = Array.FindIndex(indegree, d => d > 0);
            while (step[node] < 0)
            {
                step[node] = walk.Count;
                walk.Add(node);
                node = predecessors[node]![0];
            }

            var cycle = walk.GetRange(step[node], walk.Count - step[node]);
            cycle.Reverse();
            return cycle;
        }

        /// <summary>The operations of a cycle, each with why it must precede the next.</summary>
        public string Describe(List<int> cycle)
        {
            // Start at an operation; the tail and return-time nodes only explain the edges.
            var at = cycle.FindIndex(v => v < _tail);
            var nodes = cycle.Skip(at).Concat(cycle.Take(at)).ToList();
            var text = new StringBuilder();
            var operations = 0;
            for (var i = 0; i < nodes.Count; i++)
            {
                if (nodes[i] >= _tail)
                {
                    continue;
                }

                if (++operations <= DescribedOperations)
                {
                    text.Append(Describe(nodes[i])).Append(" --").Append(Why(nodes[i], nodes[(i + 1) % nodes.Count])).Append("--> ");
                }
            }

            if (operations > DescribedOperations)
            {
                text.Append($"... ({operations} operations in the cycle) --> ");
            }

            return text.Append("the first").ToString();
        }

        private string Describe(int node) =>
            node < _appends.Count ? DescribeAppend(_appends[node]) : DescribeRead(_reads[node - _appends.Count], _saw[node - _appends.Count]);

        /// <summary>Why <paramref name="x"/> precedes what its edge to <paramref name="next"/> leads to.</summary>
        private string Why(int x, int next)
        {
            var xRead = x >= _appends.Count;
            if (next == _tail)
            {
                return xRead ? "does not see" : "is seen, unlike";
            }

            if (next > _tail)
            {
                return "returned before the call of";
            }

            return (xRead, next >= _appends.Count) switch
            {
                (false, false) => "is seen before",
                (false, true) => "is seen by",
                _ => "does not see",
            };
        }

        private static int LowerBound(long[] sorted, long value)
        {
            var index = Array.BinarySearch(sorted, value);
            return index >= 0 ? index : ~index;
        }
    }
}
