namespace PaxosActors.Core;

/// <summary>
/// The proposer role: one value in flight per group, as in PhxPaxos. It prepares with a fresh
/// ballot, then keeps that ballot and skips prepare for following instances until someone
/// rejects it or it learns an instance it did not choose itself (DESIGN.md, invariant 8).
/// A failed round waits a random back-off; round timeouts double up to a cap.
/// With <see cref="ProtocolOptions.ChosenWithNextAccept"/>, the other members hear that an
/// instance was chosen from the ballot stamped on the next Accept, or from the value itself when
/// no next Accept follows at once (<see cref="TakeAnnouncement"/>).
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

    // The last instance this proposer got an accept majority for, and the ballot of that majority.
    private long _chosenAtInstance = -1;
    private Ballot _chosenAtBallot = Ballot.Zero;

    // That instance's value, and the members that decided it (this node aside), not yet told: the
    // next Accept tells them instead.
    private ValueChosen? _announcement;
    private Membership _announceTo;

    // Where this proposer's last accept went, won or not: what ChosenClaimedWithoutMajority announces.
    private long _lastAcceptAt = -1;
    private Ballot _lastAcceptBallot = Ballot.Zero;

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
        _announceTo = members;
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
                // Our own ValueChosen may have been lost with a crash of the local path: say it
                // again, to every member.
                _announcement = null;
                return [.. Announce(Chosen(_valueInFlight), _members.Members.Concat(_members.Learners)), Arm(_acceptTimeout)];
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
        var chosen = ChosenBallotFor(Instance - 1);
        if (!chosen.IsZero && _announcement?.Instance == Instance - 1)
        {
            // This Accept tells every member: the value need not go out.
            _options.Breakpoints.Count("proposer.chosen_with_accept");
            _announcement = null;
        }

        _lastAcceptAt = Instance;
        _lastAcceptBallot = _ballot;
        var accept = new Accept(Instance, _self, _ballot, value, PreviousChecksum) { ChosenBallot = chosen };
        var effects = new List<Effect>();
        foreach (var m in _members.Members)
        {
            effects.Add(new Send(m, accept));
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
        _chosenAtInstance = Instance;
        _chosenAtBallot = _ballot;
        var chosen = Chosen(_valueInFlight!);

        // Learners hear it at once: they get no Accepts. So does this node, which is where the
        // instance is learned first. The other members learn it from the next Accept's ballot,
        // or from the value when no Accept follows at once (TakeAnnouncement).
        if (_options.ChosenWithNextAccept)
        {
            _announcement = chosen;
            _announceTo = _members;
            return [.. Announce(chosen, _members.Learners.Prepend(_self)), Arm(_acceptTimeout)];
        }

        return [.. Announce(chosen, _members.Members.Concat(_members.Learners)), Arm(_acceptTimeout)];
    }

    /// <summary>
    /// The value of the instance this proposer chose last, for the members that have not heard of
    /// it, once this node learned that instance and no Accept of the next one carried the news:
    /// the host calls this when it has run everything that could start the next instance.
    /// </summary>
    public IReadOnlyList<Effect> TakeAnnouncement()
    {
        if (_announcement is not { } chosen || chosen.Instance >= Instance)
        {
            return [];
        }

        _options.Breakpoints.Count("proposer.chosen_sent");
        _announcement = null;
        return Announce(chosen, _announceTo.Members.Where(m => m != _self)).ToList();
    }

    /// <summary>
    /// The ballot an Accept of <paramref name="instance"/> + 1 announces as chosen there: the one
    /// this proposer got an accept majority with, if it did (DESIGN.md, invariant 8, rule b).
    /// </summary>
    private Ballot ChosenBallotFor(long instance)
    {
        if (!_options.ChosenWithNextAccept)
        {
            return Ballot.Zero;
        }

        if (_options.Bugs.HasFlag(DeliberateBugs.ChosenClaimedWithoutMajority) && _lastAcceptAt == instance)
        {
            return _lastAcceptBallot;
        }

        return _chosenAtInstance == instance ? _chosenAtBallot : Ballot.Zero;
    }

    private ValueChosen Chosen(byte[] value) => new(Instance, _self, value, Checksum.Next(PreviousChecksum, value));

    private static IEnumerable<Effect> Announce(ValueChosen chosen, IEnumerable<NodeId> to) => to.Select(m => new Send(m, chosen));

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
