namespace PaxosActors.Core;

/// <summary>
/// The learner role: keeps the chosen log, hands each newly chosen instance to the state
/// machines in order, and serves nodes that lag (PhxPaxos's learner sender). Only the last
/// <see cref="ProtocolOptions.LogWindow"/> instances stay in memory; older ones are served from
/// durable storage.
/// </summary>
internal sealed class Learner
{
    private readonly NodeId _self;
    private readonly ProtocolOptions _options;
    private readonly List<LogEntry> _log = [];
    private long _firstInMemory;
    private long _bytes;
    private ulong _beforeFirst;
    private long _installedAt;

    /// <param name="recovered">The chosen log read back after a restart, in order, from <paramref name="start"/>.</param>
    /// <param name="start">The journal's first instance (0 unless it was truncated or a checkpoint was installed).</param>
    /// <param name="previousChecksum">The checksum of instance <paramref name="start"/> - 1.</param>
    public Learner(NodeId self, ProtocolOptions options, IEnumerable<InstanceChosen> recovered, long start = 0, ulong previousChecksum = Checksum.Initial)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        _self = self;
        _options = options;
        _firstInMemory = LogStart = start;
        _beforeFirst = LastChecksum = previousChecksum;
        foreach (var c in recovered)
        {
            if (c.Instance != NextInstance)
            {
                throw new ArgumentException($"The recovered log has a gap before instance {c.Instance}.", nameof(recovered));
            }

            _log.Add(new LogEntry(c.Value, c.Checksum));
            _bytes += c.Value.Length;
            LastChecksum = c.Checksum;
        }
    }

    /// <summary>The first instance this node has not learned.</summary>
    public long NextInstance => _firstInMemory + _log.Count;

    public ulong LastChecksum { get; private set; }

    /// <summary>
    /// The first instance the node's durable log holds: the learner serves nodes from here on,
    /// and offers a checkpoint to nodes that need anything older.
    /// </summary>
    public long LogStart { get; private set; }

    /// <summary>The first instance still held in memory.</summary>
    public long FirstInMemory => _firstInMemory;

    /// <summary>The chosen instances held in memory, from <see cref="FirstInMemory"/> on.</summary>
    public IReadOnlyList<LogEntry> InMemory => _log;

    /// <summary>
    /// Effects that replay the recovered log into the state machines, in order, from
    /// <paramref name="from"/> (the instance a loaded checkpoint covers up to, or 0 for fresh
    /// machines); after it only the window stays in memory.
    /// </summary>
    public IReadOnlyList<Effect> Replay(long from = 0)
    {
        if (from < _firstInMemory || from > NextInstance)
        {
            throw new ArgumentOutOfRangeException(nameof(from), $"The recovered log holds instances {_firstInMemory} to {NextInstance - 1}; it cannot replay from {from}.");
        }

        var effects = _log.Skip((int)(from - _firstInMemory)).Select((e, i) => (Effect)new Execute(from + i, e.Value)).ToList();
        Trim();
        return effects;
    }

    /// <summary>
    /// The chained checksum of a recovered instance still in memory (before the first
    /// <see cref="Replay"/> trims it), or of the instance just before the log's start.
    /// </summary>
    public ulong ChecksumAt(long instance) =>
        instance == _firstInMemory - 1 ? _beforeFirst : _log[checked((int)(instance - _firstInMemory))].Checksum;

    /// <summary>The journal was cut: it begins at <paramref name="start"/> now.</summary>
    public void Truncated(long start)
    {
        if (start > LogStart && start <= NextInstance)
        {
            LogStart = start;
        }
    }

    /// <summary>
    /// The state machines were loaded from a checkpoint that covers every instance below
    /// <paramref name="instance"/>: the log starts again there, empty, and nothing older is served.
    /// </summary>
    public void Installed(long instance, ulong checksum)
    {
        if (instance <= NextInstance)
        {
            throw new ArgumentOutOfRangeException(nameof(instance), $"A checkpoint at {instance} is no step forward from {NextInstance}.");
        }

        _log.Clear();
        _bytes = 0;
        _firstInMemory = LogStart = _installedAt = instance;
        _beforeFirst = LastChecksum = checksum;
    }

    public IReadOnlyList<Effect> Handle(object input) => input switch
    {
        InstanceLearned l => OnLearned(l),
        AskForLearn a => Serve(a.From, a.Instance),
        ValueChosen v => CheckOld(v),
        Prepare or Accept => Serve(((PaxosMessage)input).From, ((PaxosMessage)input).Instance),
        _ => throw new ArgumentException($"The learner takes no {input.GetType().Name}.", nameof(input)),
    };

    private IReadOnlyList<Effect> OnLearned(InstanceLearned l)
    {
        if (l.Instance < NextInstance && l.Instance < _installedAt)
        {
            // Learned before a checkpoint this node installed since was announced: it is in it.
            return [];
        }

        if (l.Instance != NextInstance)
        {
            throw new InvalidOperationException($"Learned instance {l.Instance} out of order; next is {NextInstance}.");
        }

        _log.Add(new LogEntry(l.Value, l.Checksum));
        _bytes += l.Value.Length;
        LastChecksum = l.Checksum;

        // Trimming costs a copy of what stays, so it waits until the window is a quarter over.
        if (_log.Count > QuarterOver(_options.LogWindow) || _bytes > QuarterOver(_options.LogWindowBytes))
        {
            Trim();
        }

        return [new Execute(l.Instance, l.Value)];
    }

    private IReadOnlyList<Effect> Serve(NodeId to, long from)
    {
        if (to == _self || from < 0 || from >= NextInstance)
        {
            return [];
        }

        if (from < LogStart)
        {
            _options.Breakpoints.Count("learner.offer_checkpoint");
            return [new OfferCheckpoint(to)];
        }

        if (from < _firstInMemory)
        {
            _options.Breakpoints.Count("learner.serve_from_storage");
            return [new ServeFromStorage(to, from, Math.Min(_firstInMemory, from + _options.CatchUpBatch), NextInstance)];
        }

        _options.Breakpoints.Count("learner.serve");
        var until = Math.Min(NextInstance, from + _options.CatchUpBatch);
        var effects = new List<Effect>((int)(until - from));
        for (var i = from; i < until; i++)
        {
            var entry = _log[(int)(i - _firstInMemory)];
            effects.Add(new Send(to, new ValueChosen(i, _self, entry.Value, entry.Checksum)));
        }

        if (until < NextInstance)
        {
            // More to come: tell the node how far this one goes; its next ask acknowledges the batch.
            effects.Add(new Send(to, new LearnOffer(NextInstance, _self)));
        }

        return effects;
    }

    private IReadOnlyList<Effect> CheckOld(ValueChosen v)
    {
        // Only what is still in memory is compared; the chain carries any older divergence forward.
        if (v.Instance < _firstInMemory || v.Instance >= NextInstance)
        {
            return [];
        }

        var mine = _log[(int)(v.Instance - _firstInMemory)].Checksum;
        if (mine == v.Checksum)
        {
            return [];
        }

        _options.Breakpoints.Count("learner.checksum_mismatch");
        return [new Halt($"Instance {v.Instance} diverged: node {v.From} has checksum {v.Checksum:x16}, this node {mine:x16}.")];
    }

    private static long QuarterOver(long limit) => limit > long.MaxValue / 5 * 4 ? long.MaxValue : limit + (limit / 4);

    private void Trim()
    {
        var drop = Math.Max(0, _log.Count - _options.LogWindow);
        var bytes = _bytes;
        for (var i = 0; i < drop; i++)
        {
            bytes -= _log[i].Value.Length;
        }

        while (bytes > _options.LogWindowBytes && drop < _log.Count - 1)
        {
            bytes -= _log[drop++].Value.Length;
        }

        if (drop > 0)
        {
            _beforeFirst = _log[drop - 1].Checksum;
            _log.RemoveRange(0, drop);
            _firstInMemory += drop;
            _bytes = bytes;
        }
    }
}

/// <summary>One chosen instance: its value and chained checksum.</summary>
internal readonly record struct LogEntry(byte[] Value, ulong Checksum);
