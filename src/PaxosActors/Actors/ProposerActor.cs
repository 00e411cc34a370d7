using Akka.Actor;
using Akka.Event;
using PaxosActors.Core;
using PaxosActors.Serialization;

namespace PaxosActors.Actors;

/// <summary>
/// Carries out the proposer's effects and keeps its callers: a bounded queue of waiting
/// proposals, packed into one value per instance (as many as are waiting, up to the value size
/// limit), a deadline per caller, and one reply per caller: ProposeResult when its command ran,
/// or ProposeFailed, never both.
/// </summary>
internal sealed class ProposerActor : UntypedActor, IWithTimers
{
    private const int MaxBatch = 512;
    private readonly PaxosSettings _settings;
    private readonly Proposer _proposer;
    private readonly PeerRouter _router;
    private readonly IReadOnlySet<int> _machines;
    private readonly Queue<long> _waiting = new();
    private readonly Dictionary<long, Pending> _pending = [];

    // Chosen, and about to run: the learner's result is on its way, so the deadline must not
    // answer for them (the command does run).
    private readonly HashSet<long> _chosen = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private List<long>? _inFlight;
    private long _nextSequence;
    private string? _halted;

    public ProposerActor(PaxosSettings settings, Proposer proposer, PeerRouter router, IReadOnlySet<int> machines)
    {
        _settings = settings;
        _proposer = proposer;
        _router = router;
        _machines = machines;

        // New for every incarnation of this actor, restarts included: results of commands from an
        // earlier incarnation (whose callers it no longer knows) never reach a caller of this one.
        Session = Random.Shared.NextInt64();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private long Session { get; }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Propose p:
                Accept(p, Sender);
                break;
            case PrepareReply or AcceptReply or InstanceLearned:
                Run(_proposer.Handle(message));
                break;
            case RoundTimer t:
                Run(_proposer.OnTimer(t.Generation));
                break;
            case ProposalExecuted e when e.Session == Session:
                _chosen.Remove(e.Sequence);
                if (_pending.Remove(e.Sequence, out var done))
                {
                    Timers.Cancel(e.Sequence);
                    done.Caller.Tell(new ProposeResult(e.Instance, e.Result));
                }

                break;
            case ProposalExecuted:
                break;
            case ProposalDeadline d:
                Expire(d.Sequence);
                break;
            case GroupStopped s:
                _halted = s.Reason;
                FailAll(ProposeFailureReason.GroupHalted, s.Reason);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Accept(Propose p, IActorRef caller)
    {
        if (_halted is not null)
        {
            caller.Tell(new ProposeFailed(ProposeFailureReason.GroupHalted, _halted));
            return;
        }

        if (!_machines.Contains(p.StateMachineId))
        {
            caller.Tell(new ProposeFailed(ProposeFailureReason.UnknownStateMachine, $"No state machine {p.StateMachineId} in this group."));
            return;
        }

        StoredCommand command;
        try
        {
            var serializer = Context.System.Serialization.FindSerializerFor(p.Command);
            var bytes = serializer.ToBinary(p.Command);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, p.Command);
            command = new StoredCommand(++_nextSequence, p.StateMachineId, serializer.Identifier, manifest, bytes);
        }
        catch (Exception e)
        {
            caller.Tell(new ProposeFailed(ProposeFailureReason.SerializationFailed, $"{p.Command.GetType().Name} could not be serialized: {e.Message}"));
            return;
        }

        if (command.Payload.Length > _settings.MaxValueSize)
        {
            Breakpoints.Count("proposer.value_too_large");
            caller.Tell(new ProposeFailed(ProposeFailureReason.ValueTooLarge, $"The command is {command.Payload.Length} bytes; paxos-actors.max-value-size is {_settings.MaxValueSize}."));
            return;
        }

        if (_pending.Count >= _settings.MaxPendingProposals)
        {
            Breakpoints.Count("proposer.overloaded");
            caller.Tell(new ProposeFailed(ProposeFailureReason.Overloaded, $"{_pending.Count} proposals are waiting in this group."));
            return;
        }

        _pending[command.Sequence] = new Pending(command, caller);
        _waiting.Enqueue(command.Sequence);
        Timers.StartSingleTimer(command.Sequence, new ProposalDeadline(command.Sequence), _settings.ProposeTimeout);
        TryStart();
    }

    private void TryStart()
    {
        if (_proposer.IsBusy || _halted is not null)
        {
            return;
        }

        var batch = new List<long>();
        var commands = new List<StoredCommand>();
        var bytes = 0;
        while (_waiting.Count > 0 && batch.Count < MaxBatch)
        {
            if (!_pending.TryGetValue(_waiting.Peek(), out var next))
            {
                _waiting.Dequeue();
                continue;
            }

            if (batch.Count > 0 && bytes + next.Command.Payload.Length > _settings.MaxValueSize)
            {
                break;
            }

            _waiting.Dequeue();
            batch.Add(next.Command.Sequence);
            commands.Add(next.Command);
            bytes += next.Command.Payload.Length;
        }

        if (batch.Count == 0)
        {
            return;
        }

        _inFlight = batch;
        Run(_proposer.Propose(new ProposalValue(_router.Self, Session, commands).Encode()));
    }

    private void Run(IReadOnlyList<Effect> effects)
    {
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case Send s:
                    _router.Send(s);
                    break;
                case StartTimer t:
                    Timers.StartSingleTimer("round", new RoundTimer(t.Generation), t.Delay);
                    break;
                case ProposalChosen:
                    // Callers hear from the learner, once their commands have run.
                    _chosen.UnionWith((_inFlight ?? []).Where(_pending.ContainsKey));
                    _inFlight = null;
                    TryStart();
                    break;
                case ProposalFailed f:
                    foreach (var sequence in _inFlight ?? [])
                    {
                        if (_pending.Remove(sequence, out var lost))
                        {
                            Timers.Cancel(sequence);
                            lost.Caller.Tell(new ProposeFailed(ProposeFailureReason.Conflict, $"Other values won {_settings.Protocol.MaxConflictRetries + 1} instances in a row; the command did not run."));
                        }
                    }

                    _inFlight = null;
                    TryStart();
                    break;
            }
        }
    }

    private void Expire(long sequence)
    {
        if (_chosen.Contains(sequence) || !_pending.Remove(sequence, out var late))
        {
            return;
        }

        // A command still in the value being proposed runs if that value is chosen. Only when the
        // last waiting caller of the value gives up does the proposer stop retrying it; then it
        // can still be chosen only if it is out in an accept for the open instance.
        var inFlight = _inFlight?.Contains(sequence) == true;
        var giveUp = inFlight && _inFlight!.All(s => !_pending.ContainsKey(s));
        var unknown = inFlight && (!giveUp || _proposer.OwnValueMayBeChosen);
        late.Caller.Tell(new ProposeFailed(
            ProposeFailureReason.Timeout,
            unknown ? "No decision within the propose timeout; the command may still run." : "No decision within the propose timeout; the command never reached an accept and will not run.",
            OutcomeUnknown: unknown));
        if (giveUp)
        {
            _proposer.Abandon();
            _inFlight = null;
            TryStart();
        }
    }

    private void FailAll(ProposeFailureReason reason, string why)
    {
        foreach (var (sequence, p) in _pending)
        {
            Timers.Cancel(sequence);
            p.Caller.Tell(new ProposeFailed(reason, why, OutcomeUnknown: _inFlight?.Contains(sequence) == true && _proposer.OwnValueMayBeChosen));
        }

        _pending.Clear();
        _waiting.Clear();
        _log.Error("Group stopped on this node: {0}", why);
    }

    private sealed record Pending(StoredCommand Command, IActorRef Caller);
}
