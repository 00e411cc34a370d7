namespace PaxosActors.Core;

/// <summary>
/// The proposer role: one value in flight per group, as in PhxPaxos. It prepares with a fresh
/// ballot, then keeps that ballot and skips prepare for following instances until someone
/// rejects it or it learns an instance it did not choose itself (DESIGN.md, invariant 8).
/// A failed round waits a random back-off; round timeouts double up to a cap.
/// </summary>
internal sealed class Proposer
{
    private readonly NodeId _self;
    private Membership _members;
    private readonly ProtocolOptions _options;
    private readonly IRandomSource _random;
    private readonly HashSet<NodeId> _yes = [];
    private readonly HashSet<NodeId> _no = [];

    private Phase _phase = Phase.Idle;
    private long _proposalId;
    private long _highestSeenProposalId;
    private Ballot _ballot = Ballot.Zero;
    private bool _canSkipPrepare;
    private bool _chosenHere;
    private byte[]? _ownValue;
    private byte[]? _valueInFlight;
    private int _conflicts;
    private Ballot _highestAcceptedBallot;
    private byte[]? _highestAcceptedValue;
    private TimeSpan _prepareTimeout;
    private TimeSpan _acceptTimeout;
    private long _timerGeneration;
    private long _ownValueSentAt = -1;

    /// <param name="startAbove">
    /// The proposal id of this node's own recovered promise: every ballot this proposer makes
    /// is above it, so a restarted node never reuses a ballot it may have sent before.
    /// </param>
    public Proposer(
        NodeId self,
        Membership members,
        ProtocolOptions options,
        IRandomSource random,
        long instance,
        ulong previousChecksum,
        long startAbove)
    {
        _self = self;
        _members = members;
        _options = options;
        _random = random;
        Instance = instance;
        PreviousChecksum = previousChecksum;
        _proposalId = startAbove;
        _prepareTimeout = options.PrepareTimeout;
        _acceptTimeout = options.AcceptTimeout;
    }

    private enum Phase
    {
        Idle,
        Preparing,
        Accepting,
        BackingOff,
        AwaitingLearn,
    }

    public long Instance { get; private set; }

    public ulong PreviousChecksum { get; private set; }

    /// <summary>True while a value of this node's own is being proposed.</summary>
    public bool IsBusy => _ownValue is not null;

    /// <summary>
    /// The own value went out in an accept for the instance still being decided: it may be
    /// chosen even if this proposer gives it up. Before that, giving up means it never runs.
    /// </summary>
    public bool OwnValueMayBeChosen => _ownValue is not null && _ownValueSentAt == Instance;

    public Ballot Ballot => _ballot;

    /// <summary>The members this proposer decides <see cref="Instance"/> with.</summary>
    public Membership Members => _members;


    /// <summary>Starts proposing <paramref name="value"/>; the host queues while <see cref="IsBusy"/>.</summary>
    public IReadOnlyList<Effect> Propose(byte[] value)
    {
        if (IsBusy)
        {
            throw new InvalidOperationException("The proposer already has a value in flight.");
        }

        _ownValue = value;
        _ownValueSentAt = -1;
        _conflicts = 0;

        // The round timeouts double while one value meets contention; a new value starts afresh,
        // as in PhxPaxos (a master's takeover bid would otherwise wait out timeouts the node
        // grew while it lost the first election).
        _prepareTimeout = _options.PrepareTimeout;
        _acceptTimeout = _options.AcceptTimeout;
        return StartRound();
    }

    /// <summary>
    /// Stops retrying the own value (its caller gave up). A value already sent in an accept may
    /// still be chosen: its outcome is unknown, not failed.
    /// </summary>
    public void Abandon()
    {
        _ownValue = null;

        // A value may already be out at this ballot for this instance: a ballot carries one
        // value per instance, so the next proposal here must prepare a fresh ballot.
        _canSkipPrepare = _options.Bugs.HasFlag(DeliberateBugs.AbandonKeepsBallot) && _canSkipPrepare;
        if (_phase != Phase.AwaitingLearn)
        {
            _phase = Phase.Idle;
            _timerGeneration++;
        }
    }

    public IReadOnlyList<Effect> Handle(object input) => input switch
    {
        PrepareReply r => OnPrepareReply(r),
        AcceptReply r => OnAcceptReply(r),
        InstanceLearned l => OnLearned(l),
        InstancesSkipped s => OnSkipped(s),
        _ => throw new ArgumentException($"The proposer takes no {input.GetType().Name}.", nameof(input)),
    };

    public IReadOnlyList<Effect> OnTimer(long generation)
    {
        if (generation != _timerGeneration)
        {
            return [];
        }

        switch (_phase)
        {
            case Phase.Preparing:
                _options.Breakpoints.Count("proposer.prepare.timeout");
                _prepareTimeout = Double(_prepareTimeout);
                return BackOff();
            case Phase.Accepting:
                _options.Breakpoints.Count("proposer.accept.timeout");
                _acceptTimeout = Double(_acceptTimeout);
                return BackOff();
            case Phase.BackingOff:
                return StartRound();
            case Phase.AwaitingLearn when _valueInFlight is not null:
                // Our own ValueChosen may have been lost with a crash of the local path: say it again.
                return [.. AnnounceChosen(_valueInFlight), Arm(_acceptTimeout)];
            default:
                return [];
        }
    }

    private IReadOnlyList<Effect> StartRound()
    {
        if (_ownValue is null)
        {
            _phase = Phase.Idle;
            return [];
        }

        return _canSkipPrepare ? StartAccept(_ownValue) : StartPrepare();
    }

    private IReadOnlyList<Effect> StartPrepare()
    {
        _options.Breakpoints.Count("proposer.prepare.start");
        _proposalId = Math.Max(_proposalId, _highestSeenProposalId) + 1;
        _ballot = new Ballot(_proposalId, _self);
        _phase = Phase.Preparing;
        _canSkipPrepare = false;
        _yes.Clear();
        _no.Clear();
        _highestAcceptedBallot = Ballot.Zero;
        _highestAcceptedValue = null;
        var effects = new List<Effect>();
        foreach (var m in _members.Members)
        {
            effects.Add(new Send(m, new Prepare(Instance, _self, _ballot)));
        }

        effects.Add(Arm(_prepareTimeout));
        return effects;
    }

    private IReadOnlyList<Effect> OnPrepareReply(PrepareReply r)
    {
        if (_phase != Phase.Preparing || r.Instance != Instance || r.Ballot != _ballot || !_members.Contains(r.From))
        {
            return [];
        }

        if (!r.Ok)
        {
            _options.Breakpoints.Count("proposer.prepare.rejected");
            _no.Add(r.From);
            _highestSeenProposalId = Math.Max(_highestSeenProposalId, r.Promised.ProposalId);
            return _no.Count > _members.Members.Count - _members.Quorum || r.From == _self ? BackOff() : [];
        }

        _yes.Add(r.From);
        if (r.AcceptedValue is not null && r.AcceptedBallot > _highestAcceptedBallot)
        {
            _highestAcceptedBallot = r.AcceptedBallot;
            _highestAcceptedValue = r.AcceptedValue;
        }

        // Our own acceptor must be among the promises: its durable promise is what keeps a
        // restarted proposer from ever reusing this ballot.
        if (_yes.Count < _members.Quorum || (!_yes.Contains(_self) && !_options.Bugs.HasFlag(DeliberateBugs.ProposerSkipsOwnPromise)))
        {
            return [];
        }

        _options.Breakpoints.Count("proposer.prepare.majority");
        _prepareTimeout = _options.PrepareTimeout;
        _canSkipPrepare = true;
        return StartAccept(_highestAcceptedValue ?? _ownValue!);
    }

    private IReadOnlyList<Effect> StartAccept(byte[] value)
    {
        _options.Breakpoints.Count("proposer.accept.start");
        _phase = Phase.Accepting;
        _valueInFlight = value;
        if (ReferenceEquals(value, _ownValue))
        {
            _ownValueSentAt = Instance;
        }

        _yes.Clear();
        _no.Clear();
        var effects = new List<Effect>();
        foreach (var m in _members.Members)
        {
            effects.Add(new Send(m, new Accept(Instance, _self, _ballot, value, PreviousChecksum)));
        }

        effects.Add(Arm(_acceptTimeout));
        return effects;
    }

    private IReadOnlyList<Effect> OnAcceptReply(AcceptReply r)
    {
        if (_phase != Phase.Accepting || r.Instance != Instance || r.Ballot != _ballot || !_members.Contains(r.From))
        {
            return [];
        }

        if (!r.Ok)
        {
            _options.Breakpoints.Count("proposer.accept.rejected");
            _no.Add(r.From);
            _canSkipPrepare = false;
            _highestSeenProposalId = Math.Max(_highestSeenProposalId, r.Promised.ProposalId);
            return _no.Count > _members.Members.Count - _members.Quorum ? BackOff() : [];
        }

        _yes.Add(r.From);
        if (_yes.Count < _members.Quorum)
        {
            return [];
        }

        _options.Breakpoints.Count("proposer.accept.majority");
        _acceptTimeout = _options.AcceptTimeout;
        _phase = Phase.AwaitingLearn;
        _chosenHere = true;
        return [.. AnnounceChosen(_valueInFlight!), Arm(_acceptTimeout)];
    }

    private IEnumerable<Effect> AnnounceChosen(byte[] value)
    {
        var checksum = Checksum.Next(PreviousChecksum, value);
        // Learners hear it too: they keep up without waiting for their next ask, and one that was
        // just promoted learns so at once.
        return _members.Members.Concat(_members.Learners).Select(m => new Send(m, new ValueChosen(Instance, _self, value, checksum)));
    }

    private IReadOnlyList<Effect> OnLearned(InstanceLearned l)
    {
        if (l.Instance != Instance)
        {
            return [];
        }

        // Our own value lost this instance only if it was out in an accept when the instance closed.
        var contended = _ownValue is not null && ReferenceEquals(_valueInFlight, _ownValue);
        var chosenHere = _chosenHere;
        var backingOff = _phase == Phase.BackingOff;
        Instance = l.Instance + 1;
        PreviousChecksum = l.Checksum;
        _valueInFlight = null;
        _chosenHere = false;
        if (!backingOff)
        {
            _timerGeneration++;
        }

        if (l.Members is not null)
        {
            // New members decide from here: the old members' promises say nothing about them.
            _members = l.Members;
            chosenHere = false;
        }

        if (!chosenHere && !_options.Bugs.HasFlag(DeliberateBugs.BallotEqualityLearning))
        {
            // Someone else's ballot decided this instance: ours may be stale for the next one.
            _canSkipPrepare = false;
        }

        if (_ownValue is null)
        {
            _phase = Phase.Idle;
            return [];
        }

        if (l.Value.AsSpan().SequenceEqual(_ownValue))
        {
            _ownValue = null;
            _phase = Phase.Idle;
            return [new ProposalChosen(l.Instance)];
        }

        if (contended && ++_conflicts > _options.MaxConflictRetries)
        {
            _options.Breakpoints.Count("proposer.conflict.gave_up");
            _ownValue = null;
            _phase = Phase.Idle;
            return [new ProposalFailed(ProposalFailure.Conflict)];
        }

        _options.Breakpoints.Count("proposer.conflict.retry");

        // Having decided the instance ourselves (with an adopted value), the ballot still holds:
        // go on at once. Otherwise others are ahead, or this node is catching up: wait a
        // back-off, and only one: re-arming it on every further instance learned would starve
        // this proposer while another decides instance after instance.
        if (chosenHere || _options.Bugs.HasFlag(DeliberateBugs.BallotEqualityLearning))
        {
            return StartRound();
        }

        return backingOff ? [] : BackOff();
    }

    /// <summary>
    /// The node installed a checkpoint: every instance below <c>s.Instance</c> is decided, by
    /// other ballots. The own value, if any, lost each it was out in; it goes on after a back-off.
    /// </summary>
    private IReadOnlyList<Effect> OnSkipped(InstancesSkipped s)
    {
        if (s.Instance <= Instance)
        {
            return [];
        }

        var backingOff = _phase == Phase.BackingOff;
        _members = s.Members ?? _members;
        Instance = s.Instance;
        PreviousChecksum = s.PreviousChecksum;
        _valueInFlight = null;
        _chosenHere = false;
        _canSkipPrepare = false;
        if (!backingOff)
        {
            _timerGeneration++;
        }

        if (_ownValue is null)
        {
            _phase = Phase.Idle;
            return [];
        }

        return backingOff ? [] : BackOff();
    }

    private IReadOnlyList<Effect> BackOff()
    {
        _canSkipPrepare = false;
        _phase = Phase.BackingOff;
        var ms = _random.Next((int)_options.BackoffMin.TotalMilliseconds, (int)_options.BackoffMax.TotalMilliseconds);
        return [Arm(TimeSpan.FromMilliseconds(ms))];
    }

    private StartTimer Arm(TimeSpan delay) => new(delay, ++_timerGeneration);

    private TimeSpan Double(TimeSpan t) => t * 2 > _options.MaxRoundTimeout ? _options.MaxRoundTimeout : t * 2;
}
