using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using PaxosActors.Core;
using PaxosActors.Storage;

namespace PaxosActors.Actors;

/// <summary>
/// Runs the group's state machines on chosen instances strictly in order (loading the newest
/// checkpoint that fits and replaying the recovered log after it first), hands each result of
/// this node's own proposals to the proposer, serves chosen instances to nodes that lag, and
/// takes checkpoints between instances when they are due (written on another thread).
/// </summary>
internal sealed class LearnerActor : UntypedActor
{
    private readonly string _group;
    private readonly Learner _learner;
    private readonly IReadOnlyDictionary<int, IStateMachine> _machines;
    private readonly PeerRouter _router;
    private readonly IActorRef _proposer;
    private readonly IActorRef _acceptor;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CheckpointStore? _checkpoints;
    private readonly CheckpointSchedule _schedule;
    private DuplicateFilter _ran = new();
    private readonly int _catchUpRate;
    private readonly Breakpoints _breakpoints;
    private long _executed;
    private long _windowStart;
    private int _servedInWindow;

    public LearnerActor(string group, Learner learner, IReadOnlyDictionary<int, IStateMachine> machines, PeerRouter router, IActorRef proposer, IActorRef acceptor, int catchUpRate, Breakpoints breakpoints, CheckpointStore? checkpoints = null, long checkpointEvery = 0)
    {
        _checkpoints = checkpoints;
        _schedule = new CheckpointSchedule(checkpoints is null ? 0 : checkpointEvery, 0);
        _acceptor = acceptor;
        _breakpoints = breakpoints;
        _catchUpRate = catchUpRate;
        _group = group;
        _learner = learner;
        _machines = machines;
        _router = router;
        _proposer = proposer;
    }

    protected override void PreStart()
    {
        var from = LoadCheckpoint();
        _executed = from;
        var replay = _learner.Replay(from);
        Run(replay, replaying: true);
        _log.Info("Group {0}: replayed {1} chosen instances into the state machines, from instance {2}", _group, replay.Count, from);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
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
                s.ReplyTo.Tell(new GroupStatus(_group, _router.Self.Value, _executed, _learner.LastChecksum, s.Halted, s.HaltReason));
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
                default:
                    throw new InvalidOperationException($"The learner has no way to carry out {effect.GetType().Name}.");
            }
        }
    }

    /// <summary>
    /// Loads the newest intact checkpoint that fits the recovered log into the state machines
    /// and the duplicate filter; the instance to replay from (0: none loaded).
    /// </summary>
    private long LoadCheckpoint()
    {
        if (_checkpoints is null)
        {
            return 0;
        }

        var stale = _checkpoints.RemoveUnfinished(_group);
        if (stale > 0)
        {
            _log.Warning("Group {0}: removed {1} checkpoint(s) a crash left half written", _group, stale);
        }

        foreach (var (instance, path) in _checkpoints.List(_group))
        {
            string? why;
            CheckpointHeader header;
            try
            {
                (header, var sections) = CheckpointStore.Verify(path);
                why = (header.Instance == instance ? null : $"its name says instance {instance} and its header {header.Instance}")
                    ?? CheckpointSchedule.Misfit(header, _group, _learner.LogStart, _learner.NextInstance, _learner.ChecksumAt)
                    ?? (sections.Order().SequenceEqual(_machines.Keys.Append(CheckpointFormat.FilterSection).Order()) ? null : $"its sections [{string.Join(", ", sections)}] are not this group's state machines and filter");
            }
            catch (Exception e) when (e is CorruptCheckpointException or IOException or UnauthorizedAccessException)
            {
                _breakpoints.Count("checkpoint.corrupt");
                _log.Error("Group {0}: checkpoint {1} is damaged ({2}); trying the one before it", _group, path, e.Message);
                continue;
            }

            if (why is not null)
            {
                _breakpoints.Count("checkpoint.misfit");
                _log.Warning("Group {0}: checkpoint {1} does not fit this node's log: {2}; trying the one before it", _group, path, why);
                continue;
            }

            // Verified whole a moment ago: a failure from here on is of the state machine's own
            // reading, and leaves it half loaded, so it stops the start.
            CheckpointStore.Load(path, (id, stream) =>
            {
                if (id == CheckpointFormat.FilterSection)
                {
                    var bytes = new MemoryStream();
                    stream.CopyTo(bytes);
                    _ran = DuplicateFilter.Read(bytes.ToArray());
                }
                else
                {
                    ((ICheckpointable)_machines[id]).Restore(stream, header.Instance);
                }
            });
            _schedule.Finished(header.Instance);
            _breakpoints.Count("checkpoint.loaded");
            _log.Info("Group {0}: loaded checkpoint {1} (instance {2})", _group, path, header.Instance);
            return header.Instance;
        }

        return 0;
    }

    private void TakeCheckpointIfDue()
    {
        if (_checkpoints is null || _executed != _learner.NextInstance || !_schedule.Due(_executed))
        {
            return;
        }

        // Between two instances: the filter is copied and each machine frozen here, on the
        // learner; the files are written on another thread while the group goes on.
        _schedule.Started();
        var header = new CheckpointHeader(_group, _executed, _learner.LastChecksum);
        var filter = _ran.ToBytes();
        var frozen = _machines.Values.Select(m => (m.Id, ((ICheckpointable)m).Capture())).ToList();
        var store = _checkpoints;
        Task.Run(() =>
        {
            var watch = Stopwatch.StartNew();
            var (path, bytes) = store.Write(header, filter, frozen);
            return new CheckpointTaken(header, path, bytes, watch.ElapsedMilliseconds);
        }).PipeTo(Self, failure: e => new CheckpointFailed(header, e));
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

    private void Execute(Execute x, bool replaying)
    {
        _executed = x.Instance + 1;
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
                    var result = r.Command.IsFence ? null : Run(x.Instance, r.Command);
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

    private object? Run(long instance, StoredCommand command)
    {
        if (!_machines.TryGetValue(command.StateMachineId, out var machine))
        {
            return new StateMachineError("UnknownStateMachine", $"No state machine {command.StateMachineId} on this node.");
        }

        try
        {
            var payload = Context.System.Serialization.Deserialize(command.Payload, command.SerializerId, command.Manifest);
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
