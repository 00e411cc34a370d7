namespace PaxosActors.Core;

/// <summary>
/// Decides, as a function of the log alone, which commands run: every node, and every replay,
/// runs the same ones, and none twice (DESIGN.md invariant 10). It is exact, not a window.
/// <list type="bullet">
/// <item>Sessions: a node's proposer sessions are numbered upwards (each new one is durable
/// before it is used), so the first command of a newer session closes every older one of that
/// node: a late copy from a closed session is skipped.</item>
/// <item>Within the open session a command runs if its sequence number is above the session's
/// low mark and not among those run above it. Each command's floor raises the low mark (the
/// origin has answered everything below it), so the set above stays as small as the origin's
/// unanswered commands.</item>
/// </list>
/// Invariant per origin: every sequence at or below Low has run or never will; Above holds the
/// sequences above Low that ran, and never Low + 1.
/// </summary>
internal sealed class DuplicateFilter
{
    private readonly Dictionary<NodeId, SessionState> _open = [];
    private readonly DeliberateBugs _bugs;

    // Commands from logs written before floors and ordered sessions: remembered one by one.
    private readonly Dictionary<(NodeId, long), HashSet<long>> _legacy = [];

    public DuplicateFilter()
        : this(DeliberateBugs.None)
    {
    }

    internal DuplicateFilter(DeliberateBugs bugs) => _bugs = bugs;

    /// <summary>Whether <paramref name="c"/> runs, and the floor it raised (0 if none).</summary>
    public Admission Admit(StoredCommand c)
    {
        if (_bugs.HasFlag(DeliberateBugs.DuplicateFilterOff))
        {
            return new Admission(AdmitVerdict.Run, 0);
        }

        if (c.Floor == StoredCommand.LegacyFloor)
        {
            if (!_legacy.TryGetValue((c.Origin, c.Session), out var ran))
            {
                _legacy[(c.Origin, c.Session)] = ran = [];
            }

            return new Admission(ran.Add(c.Sequence) ? AdmitVerdict.Run : AdmitVerdict.Duplicate, 0);
        }

        if (_open.TryGetValue(c.Origin, out var s) && c.Session < s.Session)
        {
            return new Admission(AdmitVerdict.SessionClosed, 0);
        }

        if (s is null || c.Session > s.Session)
        {
            _open[c.Origin] = s = new SessionState(c.Session);
        }

        var raised = s.Raise(c.Floor) ? c.Floor : 0;
        if (c.Sequence <= s.Low || !s.Above.Add(c.Sequence))
        {
            return new Admission(AdmitVerdict.Duplicate, raised);
        }

        s.Compact();
        return new Admission(AdmitVerdict.Run, raised);
    }

    /// <summary>
    /// What the filter holds of <paramref name="origin"/>'s open session: every sequence up to
    /// <see cref="SessionMarks.Low"/> ran or was passed by a floor, and those in
    /// <see cref="SessionMarks.Above"/> ran. Null if the origin has no open session here.
    /// </summary>
    public SessionMarks? MarksOf(NodeId origin) =>
        _open.TryGetValue(origin, out var s) ? new SessionMarks(s.Session, s.Low, [.. s.Above]) : null;

    /// <summary>
    /// The filter's whole state, for a checkpoint: restored with <see cref="Read(ReadOnlySpan{byte})"/>, it decides
    /// every later command exactly as this one would (invariant 10 across a checkpoint).
    /// </summary>
    public byte[] ToBytes()
    {
        if (_bugs.HasFlag(DeliberateBugs.CheckpointForgetsFilter) && (_open.Count > 0 || _legacy.Count > 0))
        {
            return new DuplicateFilter(_bugs).ToBytes();
        }

        var w = new WireWriter(64 + (_open.Values.Sum(s => s.Above.Count) * 8));
        w.Byte(FormatVersion).Int32(_open.Count);
        foreach (var (origin, s) in _open.OrderBy(o => o.Key.Value))
        {
            w.Int32(origin.Value).Int64(s.Session).Int64(s.Low).Int32(s.Above.Count);
            foreach (var sequence in s.Above)
            {
                w.Int64(sequence);
            }
        }

        w.Int32(_legacy.Count);
        foreach (var ((origin, session), ran) in _legacy.OrderBy(l => l.Key.Item1.Value).ThenBy(l => l.Key.Item2))
        {
            w.Int32(origin.Value).Int64(session).Int32(ran.Count);
            foreach (var sequence in ran.Order())
            {
                w.Int64(sequence);
            }
        }

        return w.ToArray();
    }

    /// <summary>A filter in the state <see cref="ToBytes"/> wrote; malformed bytes throw <see cref="PaxosFormatException"/>.</summary>
    public static DuplicateFilter Read(ReadOnlySpan<byte> bytes) => Read(bytes, DeliberateBugs.None);

    internal static DuplicateFilter Read(ReadOnlySpan<byte> bytes, DeliberateBugs bugs)
    {
        var r = new WireReader(bytes);
        if (r.Byte() != FormatVersion)
        {
            throw new PaxosFormatException("Unknown duplicate filter format.");
        }

        var filter = new DuplicateFilter(bugs);
        var open = Count(ref r, 20);
        for (var i = 0; i < open; i++)
        {
            var origin = new NodeId(r.Int32());
            var s = new SessionState(r.Int64());
            s.Restore(r.Int64());
            var above = Count(ref r, 8);
            for (var j = 0; j < above; j++)
            {
                var sequence = r.Int64();
                if (sequence <= s.Low + 1 || !s.Above.Add(sequence))
                {
                    throw new PaxosFormatException($"Duplicate filter: sequence {sequence} of node {origin.Value} is not above its low mark {s.Low} + 1, or repeated.");
                }
            }

            if (!filter._open.TryAdd(origin, s))
            {
                throw new PaxosFormatException($"Duplicate filter: node {origin.Value} appears twice.");
            }
        }

        var legacy = Count(ref r, 16);
        for (var i = 0; i < legacy; i++)
        {
            var key = (new NodeId(r.Int32()), r.Int64());
            var ran = new HashSet<long>();
            var count = Count(ref r, 8);
            for (var j = 0; j < count; j++)
            {
                ran.Add(r.Int64());
            }

            if (!filter._legacy.TryAdd(key, ran))
            {
                throw new PaxosFormatException($"Duplicate filter: legacy session {key.Item2} of node {key.Item1.Value} appears twice.");
            }
        }

        r.End();
        return filter;
    }

    private const byte FormatVersion = 1;

    private static int Count(ref WireReader r, int eachAtLeast)
    {
        var n = r.Int32();
        return n >= 0 && n <= r.Remaining / eachAtLeast ? n : throw new PaxosFormatException($"Duplicate filter: a count of {n} with {r.Remaining} bytes left.");
    }

    private sealed class SessionState(long session)
    {
        public long Session { get; } = session;

        public long Low { get; private set; }

        public void Restore(long low) => Low = low >= 0 ? low : throw new PaxosFormatException($"Duplicate filter: low mark {low}.");

        public SortedSet<long> Above { get; } = [];

        /// <summary>Every sequence below <paramref name="floor"/> is settled; true if that is news.</summary>
        public bool Raise(long floor)
        {
            // floor >= 1 (checked when the value was decoded), so floor - 1 cannot wrap.
            if (floor - 1 <= Low)
            {
                return false;
            }

            Low = floor - 1;
            while (Above.Count > 0 && Above.Min <= Low)
            {
                Above.Remove(Above.Min);
            }

            Compact();
            return true;
        }

        public void Compact()
        {
            while (Above.Count > 0 && Above.Min == Low + 1)
            {
                Above.Remove(Above.Min);
                Low++;
            }
        }
    }
}

/// <summary>What the filter decided for one command.</summary>
internal enum AdmitVerdict
{
    /// <summary>First time: run it.</summary>
    Run,

    /// <summary>It ran before, or its origin settled it as never to run.</summary>
    Duplicate,

    /// <summary>Its session was closed by a newer session of the same node.</summary>
    SessionClosed,
}

/// <summary>
/// The filter's decision, and <see cref="FloorRaised"/>: the floor of the command's session
/// that this command raised (0 if it raised none); the origin learns from it which of its
/// refused commands are now settled as never run.
/// </summary>
internal readonly record struct Admission(AdmitVerdict Verdict, long FloorRaised)
{
    public bool Runs => Verdict == AdmitVerdict.Run;
}

/// <summary>
/// One origin's session as a duplicate filter holds it: every sequence up to <see cref="Low"/>
/// ran or was passed by a floor (its origin had answered it), and every one in
/// <see cref="Above"/> ran.
/// </summary>
internal sealed record SessionMarks(long Session, long Low, IReadOnlyCollection<long> Above)
{
    /// <summary>Whether <paramref name="sequence"/> of <paramref name="session"/> is settled here (ran, or passed by a floor).</summary>
    public bool Settles(long session, long sequence) => session == Session && (sequence <= Low || Above.Contains(sequence));
}
