namespace PaxosActors.Core;

/// <summary>
/// An acceptor's durable state. The promise is one ballot for all instances from
/// <see cref="Instance"/> on (that is what lets a proposer skip prepare); the accepted ballot
/// and value are for <see cref="Instance"/> only.
/// Invariant: AcceptedBallot &lt;= Promised.
/// </summary>
internal sealed record AcceptorState(
    long Instance,
    Ballot Promised,
    Ballot AcceptedBallot,
    byte[]? AcceptedValue,
    ulong PreviousChecksum)
{
    public static readonly AcceptorState Initial = new(0, Ballot.Zero, Ballot.Zero, null, Checksum.Initial);

    /// <summary>The newest proposer session this node started (0: none yet).</summary>
    public long Session { get; init; }

    /// <summary>Proposer incarnations one start of a node may have.</summary>
    public const long SessionSpan = 1 << 20;

    /// <summary>
    /// The proposer session of the <paramref name="incarnation"/>-th proposer (from 1) of the
    /// node start numbered <paramref name="start"/>: above every session of earlier starts.
    /// </summary>
    public static long ProposerSession(long start, long incarnation)
    {
        if (start < 1 || incarnation < 1 || incarnation >= SessionSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(incarnation), $"Start {start}, proposer incarnation {incarnation}: restart the node for a new start.");
        }

        return checked((start * SessionSpan) + incarnation);
    }

    /// <summary>The state after <paramref name="e"/> was applied; recovery folds events with it.</summary>
    public AcceptorState Apply(AcceptorEvent e) => e switch
    {
        Promised p => this with { Promised = Ballot.Max(Promised, p.Ballot) },
        Accepted a when a.Instance == Instance => this with
        {
            Promised = Ballot.Max(Promised, a.Ballot),
            AcceptedBallot = a.Ballot,
            AcceptedValue = a.Value,
        },
        Accepted a => this with { Promised = Ballot.Max(Promised, a.Ballot) },
        SessionStarted s => this with { Session = Math.Max(Session, s.Session) },
        // Only the next instance: a chosen write that failed while a later one landed leaves a
        // gap, and the state stops before it (the node learns the rest again) rather than
        // jumping to a chain and a log that miss an instance.
        InstanceChosen c when c.Instance == Instance => this with
        {
            Instance = c.Instance + 1,
            AcceptedBallot = Ballot.Zero,
            AcceptedValue = null,
            PreviousChecksum = c.Checksum,
        },
        // Only if the value it names is the one accepted last: if that write was lost, the
        // reference resolves to nothing and the instance is learned again (see ChosenLog).
        ChosenAccepted c when c.Instance == Instance && c.Ballot == AcceptedBallot && AcceptedValue is not null => this with
        {
            Instance = c.Instance + 1,
            AcceptedBallot = Ballot.Zero,
            AcceptedValue = null,
            PreviousChecksum = c.Checksum,
        },
        // A mark read first is the start of a truncated journal: it stands for every event
        // deleted before it. Read later, the events before it already said everything but
        // what it may add to the promise and the session.
        LogMark m when this == Initial => new AcceptorState(m.Instance, m.Promised, Ballot.Zero, null, m.PreviousChecksum) { Session = m.Session },
        LogMark m => this with { Promised = Ballot.Max(Promised, m.Promised), Session = Math.Max(Session, m.Session) },
        CheckpointInstalled c when c.Instance > Instance => this with
        {
            Instance = c.Instance,
            AcceptedBallot = Ballot.Zero,
            AcceptedValue = null,
            PreviousChecksum = c.PreviousChecksum,
        },
        _ => this,
    };
}
