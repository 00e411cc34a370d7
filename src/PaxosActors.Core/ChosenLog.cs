namespace PaxosActors.Core;

/// <summary>
/// Reads the chosen log out of an acceptor's events, in write order: one
/// <see cref="InstanceChosen"/> per instance, each with its value, consecutive from a first
/// instance. A <see cref="ChosenAccepted"/> takes its value from the <see cref="Accepted"/>
/// event of the same instance and ballot. An instance whose chosen write failed (or whose
/// accepted value's write failed) is a gap: nothing after it counts until a later record of that
/// instance, written when the node learned it again, fills it. <see cref="AcceptorState.Apply"/>
/// follows the same rule, so the state and the log agree after any prefix of writes.
/// A <see cref="LogMark"/> read first (a truncated journal) starts the log at its instance; a
/// <see cref="CheckpointInstalled"/> starts it again at its own, and everything before is void.
/// </summary>
internal sealed class ChosenLog(long from = 0)
{
    private readonly Dictionary<(long Instance, Ballot Ballot), byte[]> _accepted = [];
    private bool _read;

    /// <summary>The next instance the log is waiting for.</summary>
    public long Next { get; private set; } = from;

    /// <summary>The log's first instance: where the journal begins, or the latest checkpoint installed.</summary>
    public long First { get; private set; } = from;

    /// <summary>The checksum of instance <see cref="First"/> - 1.</summary>
    public ulong FirstPreviousChecksum { get; private set; } = Checksum.Initial;

    /// <summary>How many accepted values are held for instances not chosen yet (what a recovery keeps in memory).</summary>
    internal int Held => _accepted.Count;

    /// <summary>
    /// The chosen instances from <paramref name="from"/> on, each with the position in
    /// <paramref name="events"/> of the record that chose it.
    /// </summary>
    public static IEnumerable<(int Position, InstanceChosen Chosen)> Read(IEnumerable<AcceptorEvent> events, long from = 0)
    {
        var log = new ChosenLog(from);
        var position = -1;
        foreach (var e in events)
        {
            position++;
            if (log.Add(e) is { } chosen)
            {
                yield return (position, chosen);
            }
        }
    }

    /// <summary>
    /// Everything a restart reads from a whole journal: where the chosen log begins, the
    /// checksum before it, and the log (what an installed checkpoint voided is left out).
    /// </summary>
    public static (long First, ulong PreviousChecksum, List<InstanceChosen> Log) Recover(IEnumerable<AcceptorEvent> events)
    {
        var log = new ChosenLog();
        var chosen = new List<InstanceChosen>();
        foreach (var e in events)
        {
            var first = log.First;
            var c = log.Add(e);
            if (log.First != first)
            {
                chosen.Clear();
            }

            if (c is not null)
            {
                chosen.Add(c);
            }
        }

        return (log.First, log.FirstPreviousChecksum, chosen);
    }

    /// <summary>The chosen instances from <paramref name="from"/> on.</summary>
    public static List<InstanceChosen> Values(IEnumerable<AcceptorEvent> events, long from = 0) =>
        Read(events, from).Select(x => x.Chosen).ToList();

    /// <summary>The instance a chosen record is for, or null for any other event.</summary>
    public static long? ChosenInstance(AcceptorEvent e) => e switch
    {
        InstanceChosen c => c.Instance,
        ChosenAccepted c => c.Instance,
        _ => null,
    };

    /// <summary>
    /// Takes the next event in write order; the instance it completes, with its value, or null.
    /// Only the accepted values of instances not yet chosen are held.
    /// </summary>
    public InstanceChosen? Add(AcceptorEvent e)
    {
        var first = !_read;
        _read = true;
        switch (e)
        {
            case LogMark m when first && m.Instance > Next:
                Restart(m.Instance, m.PreviousChecksum);
                return null;
            case CheckpointInstalled c when c.Instance > Next:
                Restart(c.Instance, c.PreviousChecksum);
                return null;
            case Accepted a when a.Instance >= Next:
                _accepted[(a.Instance, a.Ballot)] = a.Value;
                return null;
            case InstanceChosen c when c.Instance == Next:
                Advance();
                return c;
            case ChosenAccepted c when c.Instance == Next && _accepted.TryGetValue((c.Instance, c.Ballot), out var value):
                Advance();
                return new InstanceChosen(c.Instance, value, c.Checksum);
            default:
                return null;
        }
    }

    private void Restart(long instance, ulong previousChecksum)
    {
        Next = First = instance;
        FirstPreviousChecksum = previousChecksum;
        _accepted.Clear();
    }

    private void Advance()
    {
        Next++;
        if (_accepted.Count == 0)
        {
            return;
        }

        foreach (var key in _accepted.Keys.Where(k => k.Instance < Next).ToList())
        {
            _accepted.Remove(key);
        }
    }
}
