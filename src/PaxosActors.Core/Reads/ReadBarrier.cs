namespace PaxosActors.Core;

/// <summary>A read that passed its barrier: run it once this node has executed every instance below <see cref="Index"/>.</summary>
internal readonly record struct ReadReady(long Read, long Index);

/// <summary>
/// Linearizable reads without writing to the log (read-index style): a round asks every member's
/// acceptor for its <see cref="Acceptor.ReadIndex"/>; once a majority has answered, the largest
/// index is past every instance chosen before the round began, and a read that began before the
/// round may run as soon as this node has executed everything below it. Reads that arrive while
/// a round is out wait for the next one (its answers may predate them). A round that gets no
/// majority within the round timeout is sent again; a read waits at most its deadline. Pure:
/// time is an input, and the effects are the messages to send.
/// </summary>
internal sealed class ReadBarrier
{
    private readonly NodeId _self;
    private readonly long _roundTimeoutMs;
    private readonly List<(long Read, long Deadline)> _next = [];
    private List<(long Read, long Deadline)> _current = [];
    private readonly Dictionary<NodeId, long> _answers = [];
    private long _roundStarted;
    private bool _roundOut;

    public ReadBarrier(NodeId self, long roundTimeoutMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(roundTimeoutMs);
        _self = self;
        _roundTimeoutMs = roundTimeoutMs;
    }

    /// <summary>The round now out (0: none yet).</summary>
    public long Round { get; private set; }

    /// <summary>Reads waiting for a round.</summary>
    public int Waiting => _current.Count + _next.Count;

    /// <summary>A read begins at <paramref name="now"/>: the messages to send (a new round, or none while one is out).</summary>
    public IReadOnlyList<Effect> Begin(long read, long now, long deadline, Membership members)
    {
        _next.Add((read, deadline));
        return _roundOut ? [] : StartRound(now, members);
    }

    /// <summary>An acceptor's answer: the reads that may run, and their index, once a majority answered.</summary>
    public (IReadOnlyList<ReadReady> Ready, IReadOnlyList<Effect> Effects) Answer(ReadIndexReply reply, long now, Membership members)
    {
        if (!_roundOut || reply.Round != Round || !members.Contains(reply.From) || reply.Instance < 0)
        {
            return ([], []);
        }

        _answers[reply.From] = reply.Instance;
        if (_answers.Count(a => members.Contains(a.Key)) < members.Quorum)
        {
            return ([], []);
        }

        var index = _answers.Where(a => members.Contains(a.Key)).Max(a => a.Value);
        var ready = _current.Where(r => now < r.Deadline).Select(r => new ReadReady(r.Read, index)).ToList();
        _current = [];
        _roundOut = false;
        return (ready, _next.Count > 0 ? StartRound(now, members) : []);
    }

    /// <summary>
    /// Time passes: reads past their deadline are given up (returned), and a round without a
    /// majority after the round timeout is sent again.
    /// </summary>
    public (IReadOnlyList<long> Expired, IReadOnlyList<Effect> Effects) Tick(long now, Membership members)
    {
        var expired = _current.Concat(_next).Where(r => now >= r.Deadline).Select(r => r.Read).ToList();
        _current.RemoveAll(r => now >= r.Deadline);
        _next.RemoveAll(r => now >= r.Deadline);
        if (_roundOut && _current.Count == 0)
        {
            _roundOut = false;
        }

        if (_roundOut && now - _roundStarted >= _roundTimeoutMs)
        {
            // The reads of the lost round and those waiting go together: a fresh round began after all of them.
            _next.InsertRange(0, _current);
            _current = [];
            _roundOut = false;
        }

        return (expired, !_roundOut && _next.Count > 0 ? StartRound(now, members) : []);
    }

    private List<Effect> StartRound(long now, Membership members)
    {
        Round++;
        _current = [.. _next];
        _next.Clear();
        _answers.Clear();
        _roundStarted = now;
        _roundOut = true;
        return [.. members.Members.Select(m => (Effect)new Send(m, new ReadIndexRequest(0, _self, Round)))];
    }
}
