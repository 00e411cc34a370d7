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
public static class ChosenLog
{
    /// <summary>
    /// The chosen instances from <paramref name="from"/> on, each with the position in
    /// <paramref name="events"/> of the record that chose it.
    /// </summary>
    public static IEnumerable<(int Position, InstanceChosen Chosen)> Read(IEnumerable<AcceptorEvent> events, long from = 0)
    {
        var next = from;
        var accepted = new Dictionary<(long Instance, Ballot Ballot), byte[]>();
        var position = -1;
        foreach (var e in events)
        {
            position++;
            switch (e)
            {
                case Accepted a when a.Instance >= next:
                    accepted[(a.Instance, a.Ballot)] = a.Value;
                    break;
                case InstanceChosen c when c.Instance == next:
                    next++;
                    Forget(accepted, next);
                    yield return (position, c);
                    break;
                case ChosenAccepted c when c.Instance == next && accepted.TryGetValue((c.Instance, c.Ballot), out var value):
                    next++;
                    Forget(accepted, next);
                    yield return (position, new InstanceChosen(c.Instance, value, c.Checksum));
                    break;
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

    private static void Forget(Dictionary<(long Instance, Ballot Ballot), byte[]> accepted, long next)
    {
        if (accepted.Count == 0)
        {
            return;
        }

        foreach (var key in accepted.Keys.Where(k => k.Instance < next).ToList())
        {
            accepted.Remove(key);
        }
    }
}
