namespace PaxosActors.Core;

/// <summary>
/// Leader tracking, forwarding and take-back. The leader is the node whose proposer decided the
/// latest instance; while it is fresh, this node hands its callers' commands to it rather than
/// compete for every instance. A leader that decides nothing, or leaves handed commands
/// unanswered, for the leader timeout (or whose connection drops) is passed over: this node
/// takes its commands back and proposes them itself. Nothing here is needed for safety: the
/// learners' <see cref="DuplicateFilter"/> runs a command once however often it reaches the log.
/// </summary>
internal sealed partial class ClientQueue
{
    // Handed-over commands out at a leader, in the order they went (stale entries are skipped).
    private readonly Queue<(long Sequence, long SentAt)> _out = new();

    private NodeId? _leader;
    private NodeId? _passedOver;
    private long _leaderSeenAt;

    // The group's master and until when (this node's clock) it holds the lease as far as this node knows.
    private NodeId _master = NodeId.None;
    private long _masterUntil = long.MinValue;

    /// <summary>
    /// The node commands are handed to now, or null to propose them here: the master while it
    /// holds the lease (the acceptors vote for no one else), else the latest leader while fresh.
    /// </summary>
    public NodeId? Leader(long now)
    {
        if (!_options.ForwardToLeader || Holder(now) is not { } holder || holder == _self || holder == _passedOver)
        {
            return null;
        }

        return MasterHolds(now) || now - _leaderSeenAt <= (long)_options.LeaderTimeout.TotalMilliseconds ? holder : null;
    }

    /// <summary>Who holds the master lease now, as the coordinator's fence sees it: commands go to it.</summary>
    public IReadOnlyList<Effect> MasterSeen(MasterSeen seen, long now)
    {
        // Each bid the log chooses is news of the master: one passed over (unreachable from here,
        // say) is tried again, since no one else's proposal can be chosen while it holds.
        var effects = new List<Effect>();
        if (seen.Master != NodeId.None)
        {
            _passedOver = null;
        }

        _master = seen.Master;
        _masterUntil = seen.Master == NodeId.None ? long.MinValue : now + seen.RemainingMs;
        YieldToMaster(effects, now);
        TryStart(effects, now);
        return Finish(effects, now);
    }

    /// <summary>The connection to <paramref name="node"/> dropped: if it leads, pass it over now.</summary>
    public IReadOnlyList<Effect> PeerDown(NodeId node, long now)
    {
        var effects = new List<Effect>();
        if (Holder(now) == node && _passedOver != node)
        {
            PassOver(effects, now);
        }

        return Finish(effects, now);
    }

    /// <summary>
    /// <paramref name="from"/> refused commands of this node's <paramref name="session"/>. It
    /// counts only for a command out at that very node: one taken back since may still run.
    /// </summary>
    public IReadOnlyList<Effect> Refused(NodeId from, long session, IReadOnlyList<long> sequences, ClientFailure reason, string message, long now)
    {
        var effects = new List<Effect>();
        if (session != Session)
        {
            effects.Add(new Rejected("refusal_other_session"));
            return effects;
        }

        foreach (var sequence in sequences)
        {
            if (!_local.TryGetValue(sequence, out var command) || command.State != State.Out || command.Holder != from)
            {
                continue;
            }

            _options.Breakpoints.Count("proposer.forward_refused");
            if (command.IsFence)
            {
                // A fence runs nothing: it can always go again.
                Requeue([sequence]);
            }
            else
            {
                MarkRefused(command, reason, message);
                if (_options.Bugs.HasFlag(DeliberateBugs.RefusalIsFinal))
                {
                    Settle(command, new Failed(reason, message, false), effects);
                }
            }
        }

        TryStart(effects, now);
        return Finish(effects, now);
    }

    /// <summary>The node commands would go to if it were not passed over: the master while it holds, else the latest leader.</summary>
    private NodeId? Holder(long now) => MasterHolds(now) ? _master : _leader;

    private bool MasterHolds(long now) => now < _masterUntil && _master != NodeId.None;

    private void SeeLeader(InstanceLearned learned, long now)
    {
        if (ProposalValue.ProposerOf(learned.Value) is not { } proposer)
        {
            return;
        }

        if (proposer != _leader)
        {
            _leader = proposer;
            _passedOver = null;
        }

        _leaderSeenAt = now;
    }

    /// <summary>
    /// Another node leads and this proposer's value lost the instance just closed: rather than
    /// compete for the next one, hand its commands to the leader. Safe because the value is out
    /// in no accept for the open instance, so it can no longer be chosen from here. A value that
    /// carries other nodes' commands stays here: they are never handed on.
    /// </summary>
    private void HandOver(List<Effect> effects, long now)
    {
        if (_valueLocal.Count == 0 || _valueForeign.Count > 0 || !Proposer.IsBusy || Proposer.OwnValueMayBeChosen || Leader(now) is null)
        {
            return;
        }

        _options.Breakpoints.Count("proposer.handed_over");
        Proposer.Abandon();
        Requeue(_valueLocal);
        _valueLocal.Clear();
        TryStart(effects, now);
    }

    /// <summary>
    /// Another node holds the master lease, so no acceptor votes for this proposer: a value it
    /// works on that is out in no accept for the open instance can never be chosen from here.
    /// This node's commands go to the master; other nodes' go back to their origin, which hands
    /// them to the master itself.
    /// </summary>
    private void YieldToMaster(List<Effect> effects, long now)
    {
        if (!Proposer.IsBusy || Proposer.OwnValueMayBeChosen || Leader(now) != _master)
        {
            return;
        }

        _options.Breakpoints.Count("proposer.yielded_to_master");
        Proposer.Abandon();
        Requeue(_valueLocal);
        _valueLocal.Clear();
        Refuse(_valueForeign, ClientFailure.Conflict, $"Node {_master.Value} holds the master lease; only its proposals can be chosen.", effects);
        ReleaseForeign();
    }

    /// <summary>Handed commands unanswered for the leader timeout: the leader is gone or cut off.</summary>
    private void CheckLeader(List<Effect> effects, long now)
    {
        while (_out.TryPeek(out var o) && !(_local.TryGetValue(o.Sequence, out var c) && c.State == State.Out))
        {
            _out.Dequeue();
        }

        if (_out.TryPeek(out var oldest) && now - oldest.SentAt >= (long)_options.LeaderTimeout.TotalMilliseconds)
        {
            PassOver(effects, now);
        }
    }

    /// <summary>
    /// Gives up on the leader: this node proposes itself until another leader shows up, and
    /// takes back the commands still out at the leader. The leader may have had some chosen
    /// already: they run once all the same.
    /// </summary>
    private void PassOver(List<Effect> effects, long now)
    {
        _options.Breakpoints.Count("proposer.leader_passed_over");
        _passedOver = Holder(now);
        var back = _local.Values.Where(c => c.State == State.Out).Select(c => c.Stored.Sequence).Order().ToList();
        _out.Clear();
        Requeue(back);
        TryStart(effects, now);
    }

    /// <summary>Proposes or hands over what waits, as far as the proposer and the leader allow.</summary>
    private void TryStart(List<Effect> effects, long now)
    {
        if (_halted is not null || (_lingering && _waiting.Count < _options.BatchProposeMaxCount))
        {
            return;
        }

        _lingering = false;
        if (Leader(now) is { } leader)
        {
            Forward(leader, effects, now);
        }

        if (Proposer.IsBusy)
        {
            return;
        }

        var commands = new List<StoredCommand>();
        var bytes = 0;
        while (_foreign.TryPeek(out var f) && Fits(f.Command, commands.Count, ref bytes))
        {
            _foreign.Dequeue();
            if (f.Until > now)
            {
                _valueForeign.Add(f.Command);
                commands.Add(f.Command);
            }
            else
            {
                // Its caller has given up by now: the origin answered it.
                _foreignHeld.Remove(Key(f.Command));
            }
        }

        foreach (var command in TakeLocal(commands, ref bytes))
        {
            command.State = State.InValue;
            _valueLocal.Add(command.Stored.Sequence);
        }

        if (commands.Count > 0)
        {
            Absorb(Proposer.Propose(new ProposalValue(_self, commands).Encode()), effects, now);
        }
    }

    private void Forward(NodeId leader, List<Effect> effects, long now)
    {
        while (true)
        {
            var commands = new List<StoredCommand>();
            var bytes = 0;
            var taken = TakeLocal(commands, ref bytes, forwarding: true);
            if (taken.Count == 0)
            {
                return;
            }

            foreach (var command in taken)
            {
                command.State = State.Out;
                command.Holder = leader;
                command.Handed = true;
                _out.Enqueue((command.Stored.Sequence, now));
            }

            if (commands.Count > 0)
            {
                _options.Breakpoints.Count("proposer.forwarded");
                effects.Add(new ForwardCommands(leader, new ProposalValue(_self, commands).Encode()));
            }
        }
    }

    /// <summary>
    /// Takes waiting commands of this node into <paramref name="commands"/>, within one value's
    /// limits. Master bids are never handed over: a node bids when it sees no master, and the
    /// leader it would hand them to is most likely the master that went away.
    /// </summary>
    private List<Command> TakeLocal(List<StoredCommand> commands, ref int bytes, bool forwarding = false)
    {
        var taken = new List<Command>();
        var next = _waiting.First;
        while (next is { } node)
        {
            next = node.Next;
            if (!_local.TryGetValue(node.Value, out var command) || command.State != State.Queued)
            {
                _waiting.Remove(node);
                continue;
            }

            if (forwarding && command.Stored.StateMachineId == StoredCommand.MasterMachine)
            {
                continue;
            }

            var stamped = Stamp(command);
            if (!Fits(stamped, commands.Count, ref bytes))
            {
                break;
            }

            _waiting.Remove(node);
            commands.Add(stamped);
            taken.Add(command);
        }

        return taken;
    }

    /// <summary>Whether one more command fits the value being built (the first always does).</summary>
    private bool Fits(StoredCommand command, int count, ref int bytes)
    {
        // What the command takes in the encoded value: its bytes, manifest and fixed fields.
        var size = command.Payload.Length + command.Manifest.Length + 48;
        if (count >= _options.BatchMaxCount || (count > 0 && bytes + size > _options.MaxValueSize))
        {
            return false;
        }

        bytes += size;
        return true;
    }

    /// <summary>Carries the proposer's effects out, acting itself on its verdicts about the value.</summary>
    private void Absorb(IReadOnlyList<Effect> proposerEffects, List<Effect> effects, long now)
    {
        foreach (var effect in proposerEffects)
        {
            switch (effect)
            {
                case ProposalChosen chosen:
                    OnChosen(chosen.Instance, effects, now);
                    break;
                case ProposalFailed:
                    OnConflict(effects, now);
                    break;
                default:
                    effects.Add(effect);
                    break;
            }
        }
    }

    /// <summary>The value was chosen: this node's commands run soon and are answered then.</summary>
    private void OnChosen(long instance, List<Effect> effects, long now)
    {
        foreach (var sequence in _valueLocal)
        {
            if (_local.TryGetValue(sequence, out var command))
            {
                command.State = State.Chosen;
                command.ChosenAt = instance;
            }
        }

        _valueLocal.Clear();
        ReleaseForeign();
        TryStart(effects, now);
    }

    /// <summary>
    /// Others' values won every instance the value was retried in: it is not chosen and never
    /// will be. A command that never left this node did not run; one that was handed to a
    /// leader once waits for a floor to settle it; other nodes' commands go back to their origin.
    /// </summary>
    private void OnConflict(List<Effect> effects, long now)
    {
        var why = $"Other values won {_options.MaxConflictRetries + 1} instances in a row.";
        var fences = new List<long>();
        foreach (var sequence in _valueLocal)
        {
            if (!_local.TryGetValue(sequence, out var command))
            {
                continue;
            }

            if (command.IsFence)
            {
                fences.Add(sequence);
            }
            else if (command.Handed)
            {
                MarkRefused(command, ClientFailure.Conflict, why);
            }
            else
            {
                Settle(command, new Failed(ClientFailure.Conflict, why + " The command did not run.", false), effects);
            }
        }

        Refuse(_valueForeign, ClientFailure.Conflict, why, effects);
        _valueLocal.Clear();
        ReleaseForeign();
        Requeue(fences);
        TryStart(effects, now);
    }

    private void ReleaseForeign()
    {
        foreach (var command in _valueForeign)
        {
            _foreignHeld.Remove(Key(command));
        }

        _valueForeign.Clear();
    }
}
