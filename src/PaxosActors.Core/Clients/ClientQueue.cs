namespace PaxosActors.Core;

/// <summary>
/// The client side of one node's proposer, as pure code: the callers' commands waiting here,
/// their batching into values, a deadline per caller, leader tracking with forwarding and
/// take-back, commands handed over by other nodes, and the rules for what each caller is told.
/// It owns the node's <see cref="Core.Proposer"/>. Time is an input (milliseconds on the host's
/// clock); the host calls <see cref="Tick"/> when a <see cref="WakeAt"/> comes due.
/// <para>
/// The rules that make answers true (DESIGN.md invariants 9 and 10):
/// every caller gets exactly one <see cref="Answer"/>. "Did not run" (a <see cref="Failed"/>
/// without OutcomeUnknown) is said only of a command that never left this node, or that the
/// log itself has settled: a command refused by the node that held it stays open until a floor
/// of this node's session passes it in the log (see <see cref="StoredCommand.Floor"/>); if it
/// ran before that, its caller hears that it ran.
/// </para>
/// </summary>
internal sealed partial class ClientQueue
{
    private readonly NodeId _self;
    private readonly ProtocolOptions _options;
    private readonly IReadOnlySet<int> _machines;
    private readonly int _foreignLimit;

    // This node's commands not answered yet, by sequence number.
    private readonly Dictionary<long, Command> _local = [];

    // Sequence numbers of this node's commands that hold the floor down: open, and not refused.
    private readonly SortedSet<long> _open = [];

    // Refused by the node that held them: each waits for a floor to pass it, or to run.
    private readonly SortedSet<long> _refused = [];

    // Local commands waiting to be proposed or forwarded, in order (stale entries are skipped).
    private LinkedList<long> _waiting = new();

    // Each caller's deadline, in the order they came (one timeout for all keeps it sorted).
    private readonly Queue<(long At, long Sequence)> _deadlines = new();

    // The value the proposer is working on: this node's commands and other nodes' commands.
    private readonly List<long> _valueLocal = [];
    private readonly List<StoredCommand> _valueForeign = [];

    private string? _halted;
    private long _nextSequence;
    private int _fences;
    private bool _lingering;
    private long _lingerUntil;
    private long _wakeAt = long.MaxValue;

    /// <param name="session">
    /// This proposer's session: above every earlier session of this node, and durable before
    /// it is used, so the log closes the older ones (see <see cref="DuplicateFilter"/>).
    /// </param>
    /// <param name="machines">The state machine ids the group runs.</param>
    public ClientQueue(NodeId self, Membership members, ProtocolOptions options, Proposer proposer, long session, IReadOnlySet<int> machines)
    {
        if (session <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(session), session, "A session is positive.");
        }

        _self = self;
        _options = options;
        _machines = machines;
        Proposer = proposer;
        Session = session;

        // Every node bounds its own callers; what they hand over is bounded by all of them.
        _foreignLimit = checked(options.MaxPendingProposals * Math.Max(1, members.Members.Count - 1));
    }

    private enum State
    {
        Queued,
        InValue,
        Out,
        Chosen,
        Refused,
    }

    public Proposer Proposer { get; }

    public long Session { get; }

    /// <summary>This node's commands waiting for an answer (fences excluded).</summary>
    public int Pending => _local.Count - _fences;

    /// <summary>Commands other nodes handed to this one, not proposed yet or in the value.</summary>
    public int ForeignPending => _foreign.Count + _valueForeign.Count;

    public bool IsHalted => _halted is not null;

    /// <summary>
    /// A caller's command. Returns its sequence number (the host keeps its caller under it) and
    /// the effects; an <see cref="Answer"/> among them may already refuse it.
    /// </summary>
    public (long Sequence, IReadOnlyList<Effect> Effects) Submit(int stateMachineId, int serializerId, string manifest, byte[] payload, bool batch, long now)
    {
        var sequence = ++_nextSequence;
        var failure = _halted is not null ? new Failed(ClientFailure.GroupHalted, _halted, false)
            : !Proposer.Members.Contains(_self) ? new Failed(ClientFailure.NotMember, NotVoting, false)
            : stateMachineId == StoredCommand.FenceMachine || !_machines.Contains(stateMachineId) ? new Failed(ClientFailure.UnknownStateMachine, $"No state machine {stateMachineId} in this group.", false)
            : payload.Length > _options.MaxValueSize ? new Failed(ClientFailure.ValueTooLarge, $"The command is {payload.Length} bytes; paxos-actors.max-value-size is {_options.MaxValueSize}.", false)
            : Pending >= _options.MaxPendingProposals ? new Failed(ClientFailure.Overloaded, $"{Pending} proposals are waiting at this node.", false)
            : null;
        if (failure is not null)
        {
            return (sequence, [new Answer(sequence, failure)]);
        }

        var command = new Command(new StoredCommand(_self, Session, sequence, sequence, stateMachineId, serializerId, manifest, payload));
        Add(command);
        _deadlines.Enqueue((checked(now + (long)_options.ProposeTimeout.TotalMilliseconds), sequence));
        var effects = new List<Effect>();
        if (batch && !_lingering && _options.BatchProposeLinger > TimeSpan.Zero)
        {
            _lingering = true;
            _lingerUntil = now + Math.Max(1, (long)_options.BatchProposeLinger.TotalMilliseconds);
        }

        TryStart(effects, now);
        return (sequence, Finish(effects, now));
    }

    /// <summary>A prepare or accept reply for the proposer.</summary>
    public IReadOnlyList<Effect> Handle(PaxosMessage reply, long now)
    {
        var effects = new List<Effect>();
        Absorb(Proposer.Handle(reply), effects, now);
        return Finish(effects, now);
    }

    /// <summary>The proposer's round timer fired with <paramref name="generation"/>.</summary>
    public IReadOnlyList<Effect> OnRoundTimer(long generation, long now)
    {
        var effects = new List<Effect>();
        Absorb(Proposer.OnTimer(generation), effects, now);
        return Finish(effects, now);
    }

    /// <summary>An instance was chosen: the proposer moves on, and its proposer is the leader now.</summary>
    public IReadOnlyList<Effect> Learned(InstanceLearned learned, long now)
    {
        SeeLeader(learned, now);
        var effects = new List<Effect>();
        Absorb(Proposer.Handle(learned), effects, now);
        if (learned.Members is { } members && !members.Contains(_self))
        {
            effects.AddRange(Close(ClientFailure.NotMember, NotVoting));
        }

        HandOver(effects, now);
        return Finish(effects, now);
    }

    /// <summary>The node installed a checkpoint and every role moved to its instance.</summary>
    public IReadOnlyList<Effect> Skipped(InstancesSkipped skipped, long now)
    {
        var effects = new List<Effect>();
        SettleSkipped(skipped, effects);

        if (Proposer.OwnValueMayBeChosen && skipped.Instance > Proposer.Instance)
        {
            foreach (var sequence in _valueLocal)
            {
                if (_local.TryGetValue(sequence, out var command))
                {
                    command.Handed = true;
                }
            }
        }

        Absorb(Proposer.Handle(skipped), effects, now);
        if (skipped.Members is { } members && !members.Contains(_self))
        {
            effects.AddRange(Close(ClientFailure.NotMember, NotVoting));
        }

        HandOver(effects, now);
        return Finish(effects, now);
    }

    /// <summary>
    /// Answers the commands that ran, or were settled, in the instances a checkpoint covered:
    /// this node never runs those instances, so nothing else would. A command chosen there, or
    /// one the checkpoint's duplicate filter holds as run, ran (its result is not known here).
    /// One the filter holds below its low mark ran too, unless it was refused: then a floor may
    /// have passed it instead (see <see cref="FloorPassed"/>), and which is not known.
    /// </summary>
    private void SettleSkipped(InstancesSkipped skipped, List<Effect> effects)
    {
        foreach (var command in _local.Values.ToList())
        {
            var sequence = command.Stored.Sequence;
            var chosenBefore = command.State == State.Chosen && command.ChosenAt < skipped.Instance;
            if (!chosenBefore && skipped.Own?.Settles(Session, sequence) != true)
            {
                continue;
            }

            Settle(command, chosenBefore || command.State != State.Refused
                ? new Failed(ClientFailure.ResultLost, $"The command ran, but this node installed a checkpoint at instance {skipped.Instance} that covers the instance it ran in, so its result is not known here; read the state to see its effect.", OutcomeUnknown: true)
                : new Failed(command.RefusedFor, command.RefusedWhy + $" This node installed a checkpoint at instance {skipped.Instance} that covers the floor that settles it, so whether a copy ran is not known.", OutcomeUnknown: true), effects);
        }
    }

    /// <summary>
    /// The learner ran (or, for a fence, passed) this node's command <paramref name="sequence"/>
    /// of <paramref name="session"/> at <paramref name="instance"/>.
    /// </summary>
    public IReadOnlyList<Effect> Executed(long session, long sequence, long instance, int index, object? result, long now)
    {
        var effects = new List<Effect>();
        if (session == Session && _local.TryGetValue(sequence, out var command))
        {
            Settle(command, command.IsFence ? null : new Ran(instance, index, result), effects);
        }

        return Finish(effects, now);
    }

    /// <summary>
    /// The learner applied a floor of this node's <paramref name="session"/>: every command
    /// numbered below <paramref name="floor"/> that has not run never will.
    /// </summary>
    public IReadOnlyList<Effect> FloorPassed(long session, long floor, long now)
    {
        var effects = new List<Effect>();
        if (session == Session)
        {
            foreach (var sequence in _refused.GetViewBetween(long.MinValue, floor - 1).ToList())
            {
                var command = _local[sequence];
                Settle(command, new Failed(command.RefusedFor, command.RefusedWhy + " The command did not run.", false), effects);
            }
        }

        return Finish(effects, now);
    }

    /// <summary>Deadlines, BatchPropose's linger and the leader check, as of <paramref name="now"/>.</summary>
    public IReadOnlyList<Effect> Tick(long now)
    {
        _wakeAt = long.MaxValue;
        var effects = new List<Effect>();
        while (_deadlines.TryPeek(out var d) && d.At <= now)
        {
            _deadlines.Dequeue();
            if (_local.TryGetValue(d.Sequence, out var command))
            {
                Expire(command, effects, now);
            }
        }

        if (_lingering && _lingerUntil <= now)
        {
            _lingering = false;
            TryStart(effects, now);
        }

        CheckLeader(effects, now);
        return Finish(effects, now);
    }

    private string NotVoting => $"Node {_self.Value} does not vote in this group (a membership change removed it or made it a learner); propose through a member.";

    /// <summary>The group stopped on this node: every caller is answered, handed commands refused.</summary>
    public IReadOnlyList<Effect> Halt(string reason) => Close(ClientFailure.GroupHalted, _halted ??= reason);

    /// <summary>The host is going away (shutdown or restart): every caller is answered.</summary>
    public IReadOnlyList<Effect> Stop(string reason)
    {
        _halted ??= reason;
        return Close(ClientFailure.Stopped, reason);
    }

    private IReadOnlyList<Effect> Close(ClientFailure reason, string why)
    {
        var effects = new List<Effect>();
        foreach (var command in _local.Values.ToList())
        {
            var unknown = command.State switch
            {
                State.Queued => command.Handed,
                State.InValue => command.Handed || Proposer.OwnValueMayBeChosen,
                _ => true,
            };
            Settle(command, new Failed(reason, why, unknown), effects);
        }

        Refuse(_valueForeign.Concat(_foreign.Select(f => f.Command)), reason, why, effects);
        ReleaseForeign();
        _valueLocal.Clear();
        _foreign.Clear();
        _foreignHeld.Clear();
        _waiting.Clear();
        Proposer.Abandon();
        return effects;
    }

    private void Add(Command command)
    {
        _local[command.Stored.Sequence] = command;
        _open.Add(command.Stored.Sequence);
        _waiting.AddLast(command.Stored.Sequence);
    }

    /// <summary>Answers a command (a fence has no caller) and forgets it.</summary>
    private void Settle(Command command, ClientOutcome? outcome, List<Effect> effects)
    {
        var sequence = command.Stored.Sequence;
        _local.Remove(sequence);
        _open.Remove(sequence);
        _refused.Remove(sequence);
        if (command.IsFence)
        {
            _fences--;
        }
        else if (outcome is not null)
        {
            effects.Add(new Answer(sequence, outcome));
        }
    }

    /// <summary>
    /// The command will not be proposed where it went, but a copy may still reach the log: it
    /// stops holding the floor down and waits for a floor to pass it, or to run.
    /// </summary>
    private void MarkRefused(Command command, ClientFailure reason, string why)
    {
        command.State = State.Refused;
        command.RefusedFor = reason;
        command.RefusedWhy = why;
        _open.Remove(command.Stored.Sequence);
        _refused.Add(command.Stored.Sequence);
    }

    /// <summary>A caller's deadline passed before its command ran.</summary>
    private void Expire(Command command, List<Effect> effects, long now)
    {
        switch (command.State)
        {
            case State.Chosen:
                // Chosen, and about to run: the result is on its way.
                return;
            case State.InValue:
                Settle(command, null, effects);

                // The proposer keeps retrying the value while any command in it still waits; only
                // then is it given up, and even then it can be chosen if it is out in an accept.
                var giveUp = _valueForeign.Count == 0 && _valueLocal.All(s => !_local.TryGetValue(s, out var c) || c.IsFence);
                var unknown = command.Handed || !giveUp || Proposer.OwnValueMayBeChosen;
                effects.Add(new Answer(command.Stored.Sequence, new Failed(
                    ClientFailure.Timeout,
                    unknown ? "No decision within the propose timeout; the command may still run." : "No decision within the propose timeout; the command never reached an accept and will not run.",
                    unknown)));
                if (giveUp)
                {
                    Proposer.Abandon();
                    Requeue(_valueLocal);
                    _valueLocal.Clear();
                    TryStart(effects, now);
                }

                return;
            default:
                Settle(command, null, effects);
                var handed = command.Handed;
                effects.Add(new Answer(command.Stored.Sequence, new Failed(
                    ClientFailure.Timeout,
                    handed ? "No decision within the propose timeout; the command was handed to a leader and may still run." : "No decision within the propose timeout; the command was never sent and will not run.",
                    handed)));
                return;
        }
    }

    /// <summary>
    /// A read waits for an instance no one is deciding: a proposer died after a minority
    /// accepted its value there, and no one has proposed since. A fence (a command that runs
    /// nothing) goes into the log from here: its round either finds that value and gets it
    /// chosen, or is chosen itself, and the instance closes. Nothing happens while this node
    /// proposes or waits to, or does not vote.
    /// </summary>
    public IReadOnlyList<Effect> Nudge(long now)
    {
        var effects = new List<Effect>();
        if (_halted is null && _fences == 0 && !Proposer.IsBusy && _waiting.Count == 0 && Proposer.Members.Contains(_self))
        {
            _options.Breakpoints.Count("proposer.nudged");
            AddFence();
            TryStart(effects, now);
        }

        return Finish(effects, now);
    }

    /// <summary>
    /// Asks for a wake-up when the next deadline, linger or leader check comes due sooner than
    /// asked; and, everything that could start the next instance having run, sends the news of
    /// the last chosen one if no Accept carried it.
    /// </summary>
    private List<Effect> Finish(List<Effect> effects, long now)
    {
        if (EnsureFence())
        {
            TryStart(effects, now);
        }

        effects.AddRange(Proposer.TakeAnnouncement());

        var next = long.MaxValue;
        if (_deadlines.TryPeek(out var d))
        {
            next = d.At;
        }

        if (_lingering)
        {
            next = Math.Min(next, _lingerUntil);
        }

        if (_out.TryPeek(out var o))
        {
            next = Math.Min(next, o.SentAt + (long)_options.LeaderTimeout.TotalMilliseconds);
        }

        if (next < _wakeAt)
        {
            _wakeAt = next;
            effects.Add(new WakeAt(next));
        }

        return effects;
    }

    /// <summary>
    /// Refused commands are settled by a floor above them; when nothing older holds the floor
    /// down, a fence carries one into the log without waiting for other traffic.
    /// </summary>
    private bool EnsureFence()
    {
        if (_refused.Count == 0 || _fences > 0 || _halted is not null || (_open.Count > 0 && _open.Min < _refused.Max))
        {
            return false;
        }

        AddFence();
        return true;
    }

    private void AddFence()
    {
        var sequence = ++_nextSequence;
        _fences++;
        Add(new Command(new StoredCommand(_self, Session, sequence, sequence, StoredCommand.FenceMachine, 0, string.Empty, [])));
    }

    /// <summary>What a value or hand-over carries for this node's command: its floor as of now.</summary>
    private StoredCommand Stamp(Command command) =>
        command.Stored with { Floor = _open.Count == 0 ? command.Stored.Sequence : Math.Min(_open.Min, command.Stored.Sequence) };

    /// <summary>Puts commands back in front of the waiting ones, in their order.</summary>
    private void Requeue(IEnumerable<long> sequences)
    {
        var front = new LinkedList<long>();
        foreach (var sequence in sequences)
        {
            if (_local.TryGetValue(sequence, out var command))
            {
                command.State = State.Queued;
                front.AddLast(sequence);
            }
        }

        foreach (var rest in _waiting)
        {
            front.AddLast(rest);
        }

        _waiting = front;
    }

    private sealed class Command(StoredCommand stored)
    {
        public StoredCommand Stored { get; } = stored;

        public State State { get; set; } = State.Queued;

        /// <summary>
        /// It was handed to another node once, or was out in an accept when the node skipped the
        /// instances a checkpoint covers (it may be chosen in one of them): a failure here leaves
        /// its outcome open.
        /// </summary>
        public bool Handed { get; set; }

        /// <summary>The node it is out at, while <see cref="State"/> is Out.</summary>
        public NodeId Holder { get; set; }

        /// <summary>The instance its value was chosen at, once <see cref="State"/> is Chosen.</summary>
        public long ChosenAt { get; set; } = -1;

        public ClientFailure RefusedFor { get; set; }

        public string RefusedWhy { get; set; } = string.Empty;

        public bool IsFence => Stored.IsFence;
    }
}
