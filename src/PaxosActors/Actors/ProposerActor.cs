using Akka.Actor;
using Akka.Event;
using PaxosActors.Core;
using PaxosActors.Messages;
using PaxosActors.Serialization;

namespace PaxosActors.Actors;

/// <summary>
/// Carries out the proposer's effects and keeps its callers: a bounded queue of waiting
/// commands, packed into one value per instance (up to batching.max-count and the value size
/// limit), a deadline per caller, and one reply per caller: the result when its command ran,
/// or ProposeFailed, never both.
/// <para>
/// While another node leads the group (its proposer decided the latest instance, recently),
/// local commands are forwarded to it instead of proposed here, so proposers do not compete
/// for every instance. Their callers stay here and are answered when this node executes the
/// chosen instance. Commands forwarded from other nodes are proposed here and never forwarded on.
/// </para>
/// </summary>
internal sealed class ProposerActor : UntypedActor, IWithTimers
{
    private const string LeaderCheckTimer = "leader-check";
    private readonly PaxosSettings _settings;
    private readonly Proposer _proposer;
    private readonly PeerRouter _router;
    private readonly IReadOnlySet<int> _machines;
    private readonly int _members;
    private readonly Dictionary<long, Pending> _pending = [];
    private readonly Queue<long> _local = new();
    private readonly Queue<long> _foreign = new();
    private readonly Queue<(long Key, long At)> _forwarded = new();

    // Local commands out at a leader and not answered yet.
    private readonly HashSet<long> _outstanding = [];

    // Chosen, and about to run: the learner's result is on its way, so the deadline must not
    // answer for them (the command does run).
    private readonly HashSet<long> _chosen = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private List<long>? _inFlight;
    private long _nextSequence;
    private long _nextForeignKey;
    private string? _halted;
    private bool _lingering;
    private long _lingerGeneration;
    private NodeId? _leader;
    private NodeId? _passedOver;
    private long _leaderSeenAt;
    private int _foreignPending;

    public ProposerActor(PaxosSettings settings, Proposer proposer, PeerRouter router, IReadOnlySet<int> machines)
    {
        _settings = settings;
        _proposer = proposer;
        _router = router;
        _machines = machines;
        _members = settings.Groups.TryGetValue(router.Group, out var group) ? group.Members.Count : 1;

        // New for every incarnation of this actor, restarts included: results of commands from an
        // earlier incarnation (whose callers it no longer knows) never reach a caller of this one.
        Session = Random.Shared.NextInt64();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(Akka.Remote.DisassociatedEvent));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private long Session { get; }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Propose p:
                Accept(p.Command, p.StateMachineId, Sender, batch: false);
                break;
            case BatchPropose p:
                Accept(p.Command, p.StateMachineId, Sender, batch: true);
                break;
            case ForwardedCommands f:
                TakeForwarded(f);
                break;
            case ForwardRefused r when r.Session == Session:
                Refused(r);
                break;
            case ForwardRefused:
                break;
            case InstanceLearned l:
                SeeLeader(l);
                Run(_proposer.Handle(l));
                HandOver();
                break;
            case PrepareReply or AcceptReply:
                Run(_proposer.Handle(message));
                break;
            case RoundTimer t:
                Run(_proposer.OnTimer(t.Generation));
                break;
            case ProposalExecuted e when e.Session == Session:
                Executed(e);
                break;
            case ProposalExecuted:
                break;
            case ProposalDeadline d:
                Expire(d.Sequence);
                break;
            case LeaderCheck:
                CheckForwards();
                break;
            case Akka.Remote.DisassociatedEvent e:
                Disassociated(e);
                break;
            case LingerDone d when d.Generation == _lingerGeneration:
                _lingering = false;
                TryStart();
                break;
            case LingerDone:
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

    private void Accept(object payload, int stateMachineId, IActorRef caller, bool batch)
    {
        if (_halted is not null)
        {
            caller.Tell(new ProposeFailed(ProposeFailureReason.GroupHalted, _halted));
            return;
        }

        if (!_machines.Contains(stateMachineId))
        {
            caller.Tell(new ProposeFailed(ProposeFailureReason.UnknownStateMachine, $"No state machine {stateMachineId} in this group."));
            return;
        }

        StoredCommand command;
        try
        {
            var serializer = Context.System.Serialization.FindSerializerFor(payload);
            var bytes = serializer.ToBinary(payload);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, payload);
            // A local command's key is its sequence number (1, 2, ... per session, which the
            // learner's duplicate filter relies on); commands forwarded here get negative keys.
            command = new StoredCommand(_router.Self, Session, _nextSequence + 1, stateMachineId, serializer.Identifier, manifest, bytes);
        }
        catch (Exception e)
        {
            caller.Tell(new ProposeFailed(ProposeFailureReason.SerializationFailed, $"{payload.GetType().Name} could not be serialized: {e.Message}"));
            return;
        }

        if (command.Payload.Length > _settings.MaxValueSize)
        {
            Breakpoints.Count("proposer.value_too_large");
            caller.Tell(new ProposeFailed(ProposeFailureReason.ValueTooLarge, $"The command is {command.Payload.Length} bytes; paxos-actors.max-value-size is {_settings.MaxValueSize}."));
            return;
        }

        if (_pending.Count - _foreignPending >= _settings.MaxPendingProposals)
        {
            Breakpoints.Count("proposer.overloaded");
            caller.Tell(new ProposeFailed(ProposeFailureReason.Overloaded, $"{_pending.Count - _foreignPending} proposals are waiting at this node."));
            return;
        }

        var key = ++_nextSequence;
        Add(key, command, caller, batch);
        _local.Enqueue(key);
        if (batch && !_lingering && _settings.BatchProposeLinger > TimeSpan.Zero)
        {
            // Akka's scheduler ticks every 10 ms; a linger of a few milliseconds needs the .NET
            // timer, whose resolution is about a millisecond.
            _lingering = true;
            var self = Self;
            var done = new LingerDone(++_lingerGeneration);
            _ = Task.Delay(_settings.BatchProposeLinger).ContinueWith(_ => self.Tell(done), TaskScheduler.Default);
        }

        TryStart();
    }

    private void Add(long key, StoredCommand command, IActorRef? caller, bool batch)
    {
        _pending[key] = new Pending(command, caller, batch);
        _foreignPending += key < 0 ? 1 : 0;
        Timers.StartSingleTimer(key, new ProposalDeadline(key), _settings.ProposeTimeout);
    }

    /// <summary>Forgets a waiting command (forwarded ones from other nodes have negative keys).</summary>
    private bool Remove(long key, out Pending p)
    {
        if (!_pending.Remove(key, out p!))
        {
            return false;
        }

        _foreignPending -= key < 0 ? 1 : 0;
        return true;
    }

    private void TakeForwarded(ForwardedCommands f)
    {
        ProposalValue value;
        try
        {
            value = ProposalValue.Decode(f.Value);
        }
        catch (PaxosFormatException e)
        {
            Breakpoints.Count("dropped.malformed_forward");
            _log.Warning("Dropped forwarded commands from node {0}: {1}", f.From, e.Message);
            return;
        }

        var refused = new List<StoredCommand>();
        foreach (var command in value.Commands)
        {
            // Every node bounds its own callers; what they hand over is bounded by all of them.
            if (_halted is not null || _foreignPending >= _settings.MaxPendingProposals * Math.Max(1, _members - 1) || command.Origin != f.From)
            {
                refused.Add(command);
                continue;
            }

            var key = --_nextForeignKey;
            Add(key, command, caller: null, batch: false);
            _foreign.Enqueue(key);
        }

        if (refused.Count > 0)
        {
            Breakpoints.Count("proposer.forward_refused");
            var reason = _halted is null ? ProposeFailureReason.Overloaded : ProposeFailureReason.GroupHalted;
            Refuse(refused, reason, _halted ?? $"The leader (node {_router.Self.Value}) has {_foreignPending} forwarded proposals waiting.");
        }

        TryStart();
    }

    private void Refused(ForwardRefused r)
    {
        foreach (var key in r.Sequences)
        {
            // A refusal counts only while the command is still out at that leader: once taken
            // back and proposed again, it may run.
            if (_outstanding.Remove(key) && Remove(key, out var p))
            {
                Timers.Cancel(key);
                p.Caller?.Tell(new ProposeFailed(r.Reason, r.Message));
            }
        }
    }

    private void Executed(ProposalExecuted e)
    {
        _chosen.Remove(e.Sequence);
        _outstanding.Remove(e.Sequence);
        if (Remove(e.Sequence, out var done) && done.Caller is not null)
        {
            Timers.Cancel(e.Sequence);
            done.Caller.Tell(done.Batch ? new BatchProposeResult(e.Instance, e.Index, e.Result) : new ProposeResult(e.Instance, e.Result));
        }
    }

    private void SeeLeader(InstanceLearned l)
    {
        if (ProposalValue.ProposerOf(l.Value) is not { } proposer)
        {
            return;
        }

        if (proposer != _leader)
        {
            _leader = proposer;
            _passedOver = null;
        }

        _leaderSeenAt = Environment.TickCount64;
    }

    /// <summary>
    /// Another node leads and this proposer's value lost the instance just closed: rather than
    /// compete with the leader for the next one, hand the value's commands to it. Safe because
    /// the value is out in no accept for the open instance, so it can no longer be chosen from
    /// here. A value that carries other nodes' commands stays here: they are never forwarded on.
    /// </summary>
    private void HandOver()
    {
        if (_inFlight is null || !_proposer.IsBusy || _proposer.OwnValueMayBeChosen || Leader() is null
            || _inFlight.Any(k => _pending.TryGetValue(k, out var p) && p.Caller is null))
        {
            return;
        }

        Breakpoints.Count("proposer.handed_over");
        _proposer.Abandon();
        var behind = _local.ToList();
        _local.Clear();
        foreach (var key in _inFlight.Concat(behind))
        {
            _local.Enqueue(key);
        }

        _inFlight = null;
        TryStart();
    }

    /// <summary>The node to hand local commands to, or null to propose them here.</summary>
    private NodeId? Leader()
    {
        if (!_settings.ForwardToLeader || _leader is not { } leader || leader == _router.Self || leader == _passedOver)
        {
            return null;
        }

        return Environment.TickCount64 - _leaderSeenAt <= (long)_settings.LeaderTimeout.TotalMilliseconds ? leader : null;
    }

    /// <summary>
    /// Forwarded commands that stayed unanswered for leader-timeout: the leader is gone or cut
    /// off from here.
    /// </summary>
    private void CheckForwards()
    {
        while (_forwarded.Count > 0 && !_outstanding.Contains(_forwarded.Peek().Key))
        {
            _forwarded.Dequeue();
        }

        if (_forwarded.Count == 0)
        {
            return;
        }

        var timeout = (long)_settings.LeaderTimeout.TotalMilliseconds;
        var waited = Environment.TickCount64 - _forwarded.Peek().At;
        if (waited < timeout)
        {
            Timers.StartSingleTimer(LeaderCheckTimer, LeaderCheck.Instance, TimeSpan.FromMilliseconds(timeout - waited + 1));
            return;
        }

        PassOver($"left forwarded commands unanswered for {_settings.LeaderTimeout}");
    }

    /// <summary>
    /// Gives up on the leader: this node proposes itself until another leader shows up, and takes
    /// back the commands still out at the leader to propose them here. The leader may have had
    /// some chosen already: the learners' duplicate filter runs each command once, and the
    /// callers of taken-back commands are told the outcome is unknown if they fail after all.
    /// </summary>
    private void PassOver(string why)
    {
        Breakpoints.Count("proposer.leader_passed_over");
        _log.Warning("Group {0}: leader {1} {2}; proposing here, {3} commands taken back", _router.Group, _leader, why, _outstanding.Count);
        _passedOver = _leader;
        var back = _forwarded.Select(f => f.Key).Where(k => _outstanding.Contains(k) && _pending.ContainsKey(k)).ToList();
        var behind = _local.ToList();
        _local.Clear();
        foreach (var key in back.Concat(behind))
        {
            _local.Enqueue(key);
        }

        _forwarded.Clear();
        _outstanding.Clear();
        TryStart();
    }

    private void Disassociated(Akka.Remote.DisassociatedEvent e)
    {
        if (_leader is { } leader && leader != _passedOver && _settings.Nodes.TryGetValue(leader, out var address) && address == e.RemoteAddress)
        {
            PassOver("disconnected");
        }
    }

    private void TryStart()
    {
        if (_halted is not null || (_lingering && _local.Count < _settings.BatchProposeMaxCount))
        {
            return;
        }

        if (_lingering)
        {
            _lingering = false;
            _lingerGeneration++;
        }

        if (Leader() is { } leader)
        {
            Forward(leader);
        }

        if (_proposer.IsBusy)
        {
            return;
        }

        var batch = new List<long>();
        var commands = new List<StoredCommand>();
        var bytes = 0;
        Take(_foreign, batch, commands, ref bytes);
        Take(_local, batch, commands, ref bytes);
        if (batch.Count == 0)
        {
            return;
        }

        _inFlight = batch;
        Run(_proposer.Propose(new ProposalValue(_router.Self, commands).Encode()));
    }

    private void Forward(NodeId leader)
    {
        var now = Environment.TickCount64;
        while (_local.Count > 0)
        {
            var batch = new List<long>();
            var commands = new List<StoredCommand>();
            var bytes = 0;
            Take(_local, batch, commands, ref bytes);
            foreach (var key in batch)
            {
                _pending[key] = _pending[key] with { Forwarded = true };
                _forwarded.Enqueue((key, now));
                _outstanding.Add(key);
            }

            if (!Timers.IsTimerActive(LeaderCheckTimer))
            {
                Timers.StartSingleTimer(LeaderCheckTimer, LeaderCheck.Instance, _settings.LeaderTimeout);
            }

            if (commands.Count > 0)
            {
                Breakpoints.Count("proposer.forwarded");
                _router.SendTo(leader, new ForwardedCommands(_router.Group, _router.Self, new ProposalValue(_router.Self, commands).Encode()) { ClusterId = _router.ClusterId });
            }
        }
    }

    /// <summary>Moves waiting commands into a batch, within the count and byte limits of one value.</summary>
    private void Take(Queue<long> queue, List<long> batch, List<StoredCommand> commands, ref int bytes)
    {
        while (queue.Count > 0 && batch.Count < _settings.BatchMaxCount)
        {
            if (!_pending.TryGetValue(queue.Peek(), out var next))
            {
                queue.Dequeue();
                continue;
            }

            // What the command takes in the encoded value: its bytes, manifest and fixed fields.
            var size = next.Command.Payload.Length + next.Command.Manifest.Length + 40;
            if (batch.Count > 0 && bytes + size > _settings.MaxValueSize)
            {
                break;
            }

            batch.Add(queue.Dequeue());
            commands.Add(next.Command);
            bytes += size;
        }
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
                    // Callers hear from the learner, once their commands have run; the callers of
                    // forwarded commands hear from their own nodes.
                    foreach (var key in _inFlight ?? [])
                    {
                        if (_pending.TryGetValue(key, out var p) && p.Caller is null)
                        {
                            Remove(key, out _);
                            Timers.Cancel(key);
                        }
                        else if (p is not null)
                        {
                            _chosen.Add(key);
                        }
                    }

                    _inFlight = null;
                    TryStart();
                    break;
                case ProposalFailed:
                    var why = $"Other values won {_settings.Protocol.MaxConflictRetries + 1} instances in a row; the command did not run.";
                    var foreign = new List<StoredCommand>();
                    foreach (var key in _inFlight ?? [])
                    {
                        if (Remove(key, out var lost))
                        {
                            Timers.Cancel(key);
                            if (lost.Caller is null)
                            {
                                foreign.Add(lost.Command);
                            }
                            else
                            {
                                // Once handed to a leader, a command may still run there.
                                lost.Caller.Tell(new ProposeFailed(ProposeFailureReason.Conflict, why, OutcomeUnknown: lost.Forwarded));
                            }
                        }
                    }

                    Refuse(foreign, ProposeFailureReason.Conflict, why);
                    _inFlight = null;
                    TryStart();
                    break;
            }
        }
    }

    /// <summary>Tells the nodes of origin that these forwarded commands will not run here.</summary>
    private void Refuse(List<StoredCommand> commands, ProposeFailureReason reason, string why)
    {
        foreach (var from in commands.GroupBy(c => (c.Origin, c.Session)))
        {
            _router.SendTo(from.Key.Origin, new ForwardRefused(_router.Group, from.Key.Session, from.Select(c => c.Sequence).ToList(), reason, why) { ClusterId = _router.ClusterId });
        }
    }

    private void Expire(long key)
    {
        if (_chosen.Contains(key) || !Remove(key, out var late))
        {
            return;
        }

        _outstanding.Remove(key);

        // A command still in the value being proposed runs if that value is chosen. Only when the
        // last waiting caller of the value gives up does the proposer stop retrying it; then it
        // can still be chosen only if it is out in an accept for the open instance.
        var inFlight = _inFlight?.Contains(key) == true;
        var giveUp = inFlight && _inFlight!.All(s => !_pending.ContainsKey(s));
        var unknown = late.Forwarded || (inFlight && (!giveUp || _proposer.OwnValueMayBeChosen));
        late.Caller?.Tell(new ProposeFailed(
            ProposeFailureReason.Timeout,
            late.Forwarded ? "No decision within the propose timeout; the command was handed to a leader and may still run."
                : unknown ? "No decision within the propose timeout; the command may still run."
                : "No decision within the propose timeout; the command never reached an accept and will not run.",
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
        foreach (var (key, p) in _pending)
        {
            Timers.Cancel(key);
            p.Caller?.Tell(new ProposeFailed(reason, why, OutcomeUnknown: p.Forwarded || (_inFlight?.Contains(key) == true && _proposer.OwnValueMayBeChosen)));
        }

        _pending.Clear();
        _foreignPending = 0;
        _local.Clear();
        _foreign.Clear();
        _log.Error("Group stopped on this node: {0}", why);
    }

    /// <summary>
    /// A waiting command; <see cref="Caller"/> is null for one forwarded here from another node.
    /// <see cref="Forwarded"/>: it was handed to a leader once, so a failure here leaves its
    /// outcome unknown.
    /// </summary>
    private sealed record Pending(StoredCommand Command, IActorRef? Caller, bool Batch)
    {
        public bool Forwarded { get; init; }
    }
}
