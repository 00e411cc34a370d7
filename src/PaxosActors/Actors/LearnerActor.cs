using Akka.Actor;
using Akka.Event;
using PaxosActors.Core;

namespace PaxosActors.Actors;

/// <summary>
/// Runs the group's state machines on chosen instances strictly in order (replaying the
/// recovered log first), hands each result of this node's own proposals to the proposer, and
/// serves chosen instances to nodes that lag.
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
    private readonly DuplicateFilter _ran = new();
    private readonly int _catchUpRate;
    private readonly Breakpoints _breakpoints;
    private long _executed;
    private long _windowStart;
    private int _servedInWindow;

    public LearnerActor(string group, Learner learner, IReadOnlyDictionary<int, IStateMachine> machines, PeerRouter router, IActorRef proposer, IActorRef acceptor, int catchUpRate, Breakpoints breakpoints)
    {
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
        var replay = _learner.Replay();
        Run(replay, replaying: true);
        _log.Info("Group {0}: replayed {1} chosen instances into the state machines", _group, replay.Count);
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
