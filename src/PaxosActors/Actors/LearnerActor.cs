using Akka.Actor;
using Akka.Event;
using Microsoft.Win32.SafeHandles;
using PaxosActors.Core;
using PaxosActors.Serialization;
using PaxosActors.Storage;

namespace PaxosActors.Actors;

/// <summary>
/// Runs the group's state machines on chosen instances strictly in order (loading the newest
/// checkpoint that fits and replaying the recovered log after it first), hands each result of
/// this node's own proposals to the proposer, serves chosen instances to nodes that lag, and
/// takes checkpoints between instances when they are due (written on another thread). When its
/// peers' journals no longer hold what it lacks, it fetches a peer's checkpoint into a temp file
/// (<see cref="CheckpointFetch"/>) and loads it only once it is whole and verified, in one step
/// between two messages; it serves its own checkpoints to peers the same way.
/// </summary>
internal sealed partial class LearnerActor : UntypedActor, IWithTimers
{
    /// <summary>How often a fetch in progress is checked for progress.</summary>
    private static readonly TimeSpan FetchTickInterval = TimeSpan.FromSeconds(1);

    private readonly string _group;
    private readonly bool _hasMaster;
    private readonly Learner _learner;
    private readonly IReadOnlyDictionary<int, IStateMachine> _machines;
    private readonly PeerRouter _router;
    private IActorRef _proposer;
    private readonly IActorRef _acceptor;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CheckpointStore? _checkpoints;
    private readonly CheckpointSchedule _schedule;
    private DuplicateFilter _ran = new();
    private readonly int _catchUpRate;
    private readonly Breakpoints _breakpoints;
    private readonly CheckpointFetch _fetch;
    private readonly Dictionary<string, (long Length, ulong Hash)> _fingerprints = [];
    private readonly CheckpointPins _pins;
    private long _executed;

    // The node whose proposer decided the last instance executed here (0: none yet).
    private int _leader;
    private long _windowStart;
    private int _servedInWindow;
    private SafeFileHandle? _part;
    private string? _partPath;
    private long _fetchStarted;
    private long _progressPublished;
    private long? _leftPartial;
    private long _durable;
    private string? _broken;
    private bool _cannotInstallLogged;

    /// <param name="hasMaster">Whether the group has a master: its coordinator waits for this learner after each bid.</param>
    public LearnerActor(string group, Learner learner, IReadOnlyDictionary<int, IStateMachine> machines, SystemState system, PeerRouter router, IActorRef acceptor, int catchUpRate, ProtocolOptions options, CheckpointStore? checkpoints = null, bool hasMaster = false)
    {
        _hasMaster = hasMaster;
        _initialSystem = _system = system;
        _checkpoints = checkpoints;
        _schedule = new CheckpointSchedule(checkpoints is null ? 0 : options.CheckpointEvery, 0);
        _fetch = new CheckpointFetch(router.Self, options);
        _pins = new CheckpointPins(options.TransferPin);
        _acceptor = acceptor;
        _breakpoints = options.Breakpoints;
        _catchUpRate = catchUpRate;
        _group = group;
        _learner = learner;
        _machines = machines;
        _router = router;
        _proposer = ActorRefs.Nobody;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        var from = LoadCheckpoint();
        if (from < _learner.LogStart)
        {
            // The journal was cut behind a checkpoint that is now gone or damaged: the state
            // machines cannot be brought to the log's start. Running on would execute later
            // instances on the wrong state.
            _broken = $"the journal begins at instance {_learner.LogStart} and no checkpoint at or after it could be loaded (see the errors above). "
                + $"Restore the checkpoint files under {_checkpoints?.Root ?? "(checkpoints are off)"}, or remove this node's data for the group so that it fetches a checkpoint from its peers.";
            _breakpoints.Count("learner.storage_inconsistent");
            _log.Error("Group {0} cannot start: {1}", _group, _broken);
            Context.Parent.Tell(new HaltGroup(_broken));
            Context.Parent.Tell(new MembershipReplayed(_system, _master));
            return;
        }

        _executed = from;
        _durable = _learner.NextInstance;
        var replay = _learner.Replay(from);
        Run(replay, replaying: true);
        _log.Info("Group {0}: replayed {1} chosen instances into the state machines, from instance {2}", _group, replay.Count, from);
        Context.Parent.Tell(new MembershipReplayed(_system, _master));
        TakePartialFetch();
        Timers.StartPeriodicTimer("fetch", FetchTick.Instance, FetchTickInterval);
        RetainCheckpoints();
    }

    protected override void PostStop()
    {
        _part?.Dispose();
        base.PostStop();
    }

    protected override void OnReceive(object message)
    {
        if (_broken is not null)
        {
            if (message is StatusRequest s)
            {
                s.ReplyTo.Tell(Status(s) with { Halted = true, HaltReason = _broken });
            }

            return;
        }

        switch (message)
        {
            case ProposerIs p:
                _proposer = p.Proposer;
                break;
            case ReadAt r:
                ReadWhenCaughtUp(r);
                break;
            case CheckpointOffer o when _checkpoints is null:
                _breakpoints.Count("transfer.cannot_install");
                if (!_cannotInstallLogged)
                {
                    _cannotInstallLogged = true;
                    _log.Error("Group {0}: node {1} offers a checkpoint at instance {2}, which this node needs (its peers' journals no longer hold instance {3}), but this group takes no checkpoints here (checkpoint.every-instances, a checkpoint folder, and ICheckpointable state machines are needed)", _group, o.From, o.Instance, _learner.NextInstance);
                }

                break;
            case CheckpointOffer o:
                Run(_fetch.Offered(o, _learner.NextInstance), replaying: false);
                break;
            case CheckpointChunk c:
                Run(_fetch.Received(c), replaying: false);
                break;
            case ChunkRequest r:
                ServeChunk(r);
                break;
            case FetchTick:
                Run(_fetch.OnTick(), replaying: false);
                DropPartialFetchIfPassed();
                break;
            case LogTruncated t:
                _learner.Truncated(t.Start);
                break;
            case ChosenDurable d when d.Instance > _durable:
                // Only a checkpoint past the old mark can have become anchored: the store's
                // folder is read again only then, not at every mark.
                var anchoredNew = _schedule.LastTaken > _durable;
                _durable = d.Instance;
                if (anchoredNew)
                {
                    RetainCheckpoints();
                }

                break;
            case ChosenDurable:
                break;
            case AskForLearn or Prepare or Accept when OverRate(out var wait):
                // Serving lagging nodes has a budget per second; this request waits for the next.
                _breakpoints.Count("learner.serve_delayed");
                Context.System.Scheduler.ScheduleTellOnce(wait, Self, message, Sender);
                break;
            case InstanceLearned or AskForLearn or Prepare or Accept or ValueChosen:
                Run(_learner.Handle(message), replaying: false);
                TakeCheckpointIfDue();
                break;
            case CheckpointTaken t:
                _schedule.Finished(t.Header.Instance);
                _breakpoints.Count("checkpoint.taken");
                _breakpoints.Count("checkpoint.bytes", t.Bytes);
                _log.Info("Group {0}: checkpoint at instance {1}, {2:N0} bytes in {3} ms ({4})", _group, t.Header.Instance, t.Bytes, t.Milliseconds, t.Path);
                Publish(new CheckpointSaved(_group, _router.Self.Value, t.Header.Instance, t.Bytes, t.Path));
                RetainCheckpoints();
                break;
            case CheckpointFailed f:
                _schedule.Finished(null);
                _breakpoints.Count("checkpoint.failed");
                _log.Error(f.Cause, "Group {0}: the checkpoint at instance {1} failed; the next one is tried after {2} more instances", _group, f.Header.Instance, _schedule.LastTaken);
                break;
            case ReadLog r:
                // What is still in memory from r.From on; if the acceptor restarted before the
                // window, the group fetches the instances in between from the peers.
                var from = Math.Max(r.From, _learner.FirstInMemory);
                var entries = _learner.InMemory.Skip((int)Math.Min(from - _learner.FirstInMemory, _learner.InMemory.Count)).ToList();
                Sender.Tell(new LogEntries(from, entries));
                break;
            case StatusRequest s:
                s.ReplyTo.Tell(Status(s));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Run(IReadOnlyList<Effect> effects, bool replaying)
    {
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case Execute x:
                    Execute(x, replaying);
                    break;
                case Send s:
                    _servedInWindow += s.Message is ValueChosen ? 1 : 0;
                    _router.Send(s);
                    break;
                case ServeFromStorage read:
                    // The acceptor owns the journal and knows where each chosen instance is in it.
                    _servedInWindow += (int)(read.Until - read.From);
                    _acceptor.Tell(read);
                    break;
                case Halt h:
                    Context.Parent.Tell(new HaltGroup(h.Reason));
                    break;
                case OfferCheckpoint o:
                    Offer(o.To);
                    break;
                case BeginFetch b:
                    BeginFetch(b.Offer, b.From);
                    break;
                case WriteChunk w:
                    RandomAccess.Write(_part!, w.Data, w.Offset);
                    PublishProgress();
                    break;
                case InstallCheckpoint i:
                    Install(i.Offer);
                    break;
                default:
                    throw new InvalidOperationException($"The learner has no way to carry out {effect.GetType().Name}.");
            }
        }
    }

    private bool OverRate(out TimeSpan wait)
    {
        var now = Environment.TickCount64;
        if (now - _windowStart >= 1000)
        {
            _windowStart = now;
            _servedInWindow = 0;
        }

        wait = TimeSpan.FromMilliseconds(Math.Max(1, 1000 - (now - _windowStart)));
        return _servedInWindow >= _catchUpRate;
    }

    private GroupStatus Status(StatusRequest s) =>
        new(_group, _router.Self.Value, _executed, _learner.LastChecksum, s.Halted, s.HaltReason) { Instance = s.Instance, PeerInstance = s.PeerInstance, Leader = _leader };

    private void Execute(Execute x, bool replaying)
    {
        ExecuteSteps(x, replaying);
        MembershipDone(x, replaying);
        ServeReads();
    }

    private void ExecuteSteps(Execute x, bool replaying)
    {
        _executed = x.Instance + 1;
        _leader = ProposalValue.ProposerOf(x.Value)?.Value ?? _leader;
        IReadOnlyList<ExecutionStep> steps;
        try
        {
            steps = ExecutionPlan.For(_ran, _router.Self, x.Value);
        }
        catch (PaxosFormatException e)
        {
            // Every node decodes the same bytes the same way, so skipping keeps them in step.
            _breakpoints.Count("learner.undecodable_value");
            _log.Error("Group {0}: instance {1} holds no valid value ({2}); skipped on every node", _group, x.Instance, e.Message);
            return;
        }

        foreach (var step in steps)
        {
            switch (step)
            {
                case RunStep r:
                    // The caller waits at the command's node of origin, which may not be the proposer's.
                    var result = r.Command.IsFence ? null : Run(x.Instance, r.Command, replaying);
                    if (!replaying && r.Command.Origin == _router.Self)
                    {
                        _proposer.Tell(new ProposalExecuted(r.Command.Session, r.Command.Sequence, x.Instance, r.Index, result));
                    }

                    break;
                case SkipStep:
                    _breakpoints.Count("learner.duplicate_skipped");
                    break;
                case FloorStep f when !replaying:
                    _proposer.Tell(new FloorPassed(f.Session, f.Floor));
                    break;
                case FloorStep:
                    break;
                default:
                    throw new InvalidOperationException($"The learner has no way to carry out {step.GetType().Name}.");
            }
        }
    }

    private object? Run(long instance, StoredCommand command, bool replaying)
    {
        if (command.IsSystem)
        {
            return ApplyChange(instance, command, replaying);
        }

        if (command.IsMaster)
        {
            return ApplyMasterBid(instance, command);
        }

        if (!_machines.TryGetValue(command.StateMachineId, out var machine))
        {
            return new StateMachineError("UnknownStateMachine", $"No state machine {command.StateMachineId} on this node.");
        }

        try
        {
            var payload = CommandSerialization.Get(Context.System).Deserialize(command.Payload, command.SerializerId, command.Manifest);
            return machine.Execute(instance, payload);
        }
        catch (Exception e)
        {
            _breakpoints.Count("learner.state_machine_error");
            return new StateMachineError(e.GetType().Name, e.Message);
        }
    }
}

/// <summary>A checkpoint was published: where, how big, how long it took to write.</summary>
internal sealed record CheckpointTaken(CheckpointHeader Header, string Path, long Bytes, long Milliseconds);

/// <summary>Writing a checkpoint failed; nothing was published.</summary>
internal sealed record CheckpointFailed(CheckpointHeader Header, Exception Cause);
