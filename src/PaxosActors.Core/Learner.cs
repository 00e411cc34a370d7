namespace PaxosActors.Core;

/// <summary>
/// The learner role: keeps the chosen log, hands each newly chosen instance to the state
/// machines in order, and serves nodes that lag (PhxPaxos's learner sender).
/// </summary>
public sealed class Learner
{
    private readonly NodeId _self;
    private readonly ProtocolOptions _options;
    private readonly List<LogEntry> _log = [];

    /// <param name="recovered">The chosen log read back after a restart, from instance 0, in order.</param>
    public Learner(NodeId self, ProtocolOptions options, IEnumerable<InstanceChosen> recovered)
    {
        _self = self;
        _options = options;
        foreach (var c in recovered)
        {
            if (c.Instance != _log.Count)
            {
                throw new ArgumentException($"The recovered log has a gap before instance {c.Instance}.", nameof(recovered));
            }

            _log.Add(new LogEntry(c.Value, c.Checksum));
        }
    }

    /// <summary>The first instance this node has not learned.</summary>
    public long NextInstance => _log.Count;

    public ulong LastChecksum => _log.Count == 0 ? Checksum.Initial : _log[^1].Checksum;

    /// <summary>The chosen log so far (instance = index).</summary>
    public IReadOnlyList<LogEntry> Log => _log;

    /// <summary>Effects that replay the recovered log into fresh state machines, in order.</summary>
    public IEnumerable<Effect> Replay() => _log.Select((e, i) => (Effect)new Execute(i, e.Value));

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
        if (l.Instance != _log.Count)
        {
            throw new InvalidOperationException($"Learned instance {l.Instance} out of order; next is {_log.Count}.");
        }

        _log.Add(new LogEntry(l.Value, l.Checksum));
        return [new Execute(l.Instance, l.Value)];
    }

    private IReadOnlyList<Effect> Serve(NodeId to, long from)
    {
        if (to == _self || from < 0 || from >= _log.Count)
        {
            return [];
        }

        Breakpoints.Count("learner.serve");
        var until = Math.Min(_log.Count, from + _options.CatchUpBatch);
        var effects = new List<Effect>((int)(until - from));
        for (var i = from; i < until; i++)
        {
            effects.Add(new Send(to, new ValueChosen(i, _self, _log[(int)i].Value, _log[(int)i].Checksum)));
        }

        if (until < _log.Count)
        {
            // More to come: tell the node how far this one goes; its next ask acknowledges the batch.
            effects.Add(new Send(to, new LearnOffer(_log.Count, _self)));
        }

        return effects;
    }

    private IReadOnlyList<Effect> CheckOld(ValueChosen v)
    {
        if (v.Instance < 0 || v.Instance >= _log.Count || _log[(int)v.Instance].Checksum == v.Checksum)
        {
            return [];
        }

        Breakpoints.Count("learner.checksum_mismatch");
        return [new Halt($"Instance {v.Instance} diverged: node {v.From} has checksum {v.Checksum:x16}, this node {_log[(int)v.Instance].Checksum:x16}.")];
    }
}

/// <summary>One chosen instance: its value and chained checksum.</summary>
public readonly record struct LogEntry(byte[] Value, ulong Checksum);
