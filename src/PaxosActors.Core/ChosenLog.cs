namespace PaxosActors.Core;

/// <summary>
/// Reads the chosen log out of an acceptor's events, in write order: one
/// <see cref="InstanceChosen"/> per instance, each with its value, consecutive from a first
/// instance. A <see cref="ChosenAccepted"/> takes its value from the <see cref="Accepted"/>
/// event of the same instance and ballot. An instance whose chosen write failed (or whose
/// accepted value's write failed) is a gap: nothing after it counts until a later record of that
/// instance, written when the node learned it again, fills it. <see cref="AcceptorState.Apply"/>
/// follows the same rule, so the state and the log agree after any prefix of writes.
/// </summary>
public sealed class ChosenLog(long from = 0)
{
    private readonly Dictionary<(long Instance, Ballot Ballot), byte[]> _accepted = [];

    /// <summary>The next instance the log is waiting for.</summary>
    public long Next { get; private set; } = from;

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
        switch (e)
        {
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
