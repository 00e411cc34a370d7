using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using PaxosActors.Core;
using PaxosActors.Hosting;
using PaxosActors.Messages;
using PaxosActors.Serialization;

namespace PaxosActors.Actors;

/// <summary>
/// Carries out the effects of the node's <see cref="ClientQueue"/> (which owns the proposer):
/// it keeps each caller under its command's sequence number, serializes commands, reads the
/// clock, arms timers and sends. Every decision (batching, deadlines, forwarding, take-back,
/// what a caller is told) is the queue's.
/// </summary>
internal sealed class ProposerActor : UntypedActor, IWithTimers
{
    private readonly Breakpoints _breakpoints;
    private readonly PeerRouter _router;
    private readonly ClientQueue _queue;
    private readonly Dictionary<long, (IActorRef Caller, bool Batch, long Since)> _callers = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly QueueGauge? _gauge;
    private long _wakeGeneration;

    /// <param name="session">Called once per incarnation: a session above every earlier one of this node.</param>
    /// <param name="queue">Where the gauges read this node's queue depths for the group (none: not measured).</param>
    public ProposerActor(NodeId self, ProtocolOptions protocol, Membership members, Proposer proposer, PeerRouter router, IReadOnlySet<int> machines, Func<long> session, QueueGauge? queue = null)
    {
        _gauge = queue;
        _breakpoints = protocol.Breakpoints;
        _router = router;

        // A restarted actor takes over the proposer mid-round: whatever it was proposing belonged
        // to callers of the earlier incarnation, who were answered when it stopped.
        proposer.Abandon();
        _queue = new ClientQueue(self, members, protocol, proposer, session(), machines);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private static long Now => Environment.TickCount64;

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(Akka.Remote.DisassociatedEvent));

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        Run(_queue.Stop("The group stopped on this node before the command was decided."));
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Propose p:
                Submit(p.Command, p.StateMachineId, batch: false);
                break;
            case BatchPropose p:
                Submit(p.Command, p.StateMachineId, batch: true);
                break;
            case ForwardedCommands f:
                Run(_queue.Forwarded(f.From, f.Value, Now));
                break;
            case ForwardRefused r:
                Run(_queue.Refused(r.From, r.Session, r.Sequences, r.Reason, r.Message, Now));
                break;
            case InstanceLearned l:
                Run(_queue.Learned(l, Now));
                break;
            case InstancesSkipped skipped:
                Run(_queue.Skipped(skipped, Now));
                break;
            case MasterSeen seen:
                Run(_queue.MasterSeen(seen, Now));
                break;
            case Nudge:
                Run(_queue.Nudge(Now));
                break;
            case PrepareReply or AcceptReply:
                Run(_queue.Handle((PaxosMessage)message, Now));
                break;
            case RoundTimer t:
                Run(_queue.OnRoundTimer(t.Generation, Now));
                break;
            case ProposalExecuted e:
                Run(_queue.Executed(e.Session, e.Sequence, e.Instance, e.Index, e.Result, Now));
                break;
            case FloorPassed f:
                Run(_queue.FloorPassed(f.Session, f.Floor, Now));
                break;
            case Wake w when w.Generation == _wakeGeneration:
                Run(_queue.Tick(Now));
                break;
            case ProposeSystem p:
                Submit(p.Change.Encode(), batch: false, StoredCommand.SystemMachine, serializerId: 0, manifest: string.Empty);
                break;
            case ProposeMaster p:
                Submit(p.Bid.Encode(), batch: false, StoredCommand.MasterMachine, serializerId: 0, manifest: string.Empty);
                break;
            case Akka.Remote.DisassociatedEvent e when _router.NodeAt(e.RemoteAddress) is { } node:
                Run(_queue.PeerDown(node, Now));
                break;
            case Wake or Akka.Remote.DisassociatedEvent:
                break;
            case GroupStopped s:
                _log.Error("Group stopped on this node: {0}", s.Reason);
                Run(_queue.Halt(s.Reason));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Submit(object payload, int stateMachineId, bool batch)
    {
        if (payload is UndecodableCommand undecodable)
        {
            Sender.Tell(new ProposeFailed(ProposeFailureReason.SerializationFailed, undecodable.Reason));
            return;
        }

        byte[] bytes;
        int serializerId;
        string manifest;
        try
        {
            (serializerId, manifest, bytes) = CommandSerialization.Get(Context.System).Serialize(payload);
        }
        catch (Exception e)
        {
            Sender.Tell(new ProposeFailed(ProposeFailureReason.SerializationFailed, $"{payload.GetType().Name} could not be serialized: {e.Message}"));
            return;
        }

        Submit(bytes, batch, stateMachineId, serializerId, manifest);
    }

    private void Submit(byte[] bytes, bool batch, int stateMachineId, int serializerId, string manifest)
    {
        var (sequence, effects) = _queue.Submit(stateMachineId, serializerId, manifest, bytes, batch, Now);
        _callers[sequence] = (Sender, batch, Stopwatch.GetTimestamp());
        Run(effects);
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
                case Answer a:
                    Reply(a);
                    break;
                case ForwardCommands f:
                    _router.SendTo(f.To, new ForwardedCommands(_router.Group, _router.Self, f.Value) { ClusterId = _router.ClusterId });
                    break;
                case RefuseCommands r:
                    _router.SendTo(r.To, new ForwardRefused(_router.Group, _router.Self, r.Session, r.Sequences, r.Reason, r.Message) { ClusterId = _router.ClusterId });
                    break;
                case WakeAt w:
                    WakeAt(w.At);
                    break;
                case Rejected r:
                    _breakpoints.Count("dropped." + r.Reason);
                    break;
                default:
                    throw new InvalidOperationException($"The proposer actor has no way to carry out {effect.GetType().Name}.");
            }
        }

        _gauge?.Set(_queue.Pending, _queue.ForeignPending);
    }

    private void Reply(Answer a)
    {
        if (!_callers.Remove(a.Sequence, out var caller))
        {
            throw new InvalidOperationException($"The client queue answered command {a.Sequence} twice.");
        }

        if (a.Outcome is Ran)
        {
            // From the caller's command reaching this node to its result: what the caller waited.
            _breakpoints.Record("commit.latency", Stopwatch.GetElapsedTime(caller.Since).TotalMilliseconds);
        }

        caller.Caller.Tell(a.Outcome switch
        {
            Ran r when caller.Batch => new BatchProposeResult(r.Instance, r.Index, r.Result),
            Ran r => new ProposeResult(r.Instance, r.Result),
            Failed f => new ProposeFailed(f.Reason.ToProposeFailureReason(), f.Message, f.OutcomeUnknown),
            _ => throw new InvalidOperationException($"Unknown outcome {a.Outcome.GetType().Name}."),
        });
    }

    private void WakeAt(long at)
    {
        var wake = new Wake(++_wakeGeneration);
        var delay = TimeSpan.FromMilliseconds(Math.Max(0, at - Now));

        // Akka's scheduler ticks every 10 ms; BatchPropose's linger of a few milliseconds needs
        // the .NET timer, whose resolution is about a millisecond.
        if (delay < TimeSpan.FromMilliseconds(10))
        {
            var self = Self;
            _ = Task.Delay(delay).ContinueWith(_ => self.Tell(wake), TaskScheduler.Default);
        }
        else
        {
            Timers.StartSingleTimer("wake", wake, delay);
        }
    }
}
