using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using PaxosActors.Core;
using Dropped = PaxosActors.Core.Dropped;

namespace PaxosActors.Actors;

/// <summary>
/// Carries out the acceptor's effects on Akka.Persistence. State changes in memory at once,
/// events go out with PersistAsync (many per journal write), and every reply leaves from the
/// handler of the write that carries it, or of a DeferAsync behind the writes before it: a
/// reply implies that it and all before it are durable (invariant 2). A journal failure or
/// rejection stops this actor; its back-off supervisor starts it again and it recovers from the
/// journal. It also cuts its journal when <see cref="LogTruncation"/> says so (behind the oldest
/// checkpoint the learner keeps), a step at a time, and reads only from the cut onward.
/// </summary>
internal sealed class AcceptorActor : UntypedPersistentActor, IWithTimers
{
    private readonly NodeId _self;
    private readonly ProtocolOptions _options;
    private readonly PeerRouter _router;
    private readonly IActorRef _group;
    private readonly Breakpoints _breakpoints;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // Recovery folds each event as it arrives: only the chosen log (which the learner needs)
    // and the accepted values of instances not yet chosen are held, not every event.
    private AcceptorState _recovered = AcceptorState.Initial;
    private List<InstanceChosen>? _recoveredLog = [];
    private ChosenLog? _reading = new();
    private List<(long Instance, long SequenceNr)>? _recoveredMarks = [];
    private Acceptor? _acceptor;
    private LogTruncation? _truncation;
    private (long Instance, long Position)? _deleting;

    // The sequence number of each instance's chosen record (instance = _logStart + index), to
    // read it back for a lagging node once the learner no longer holds it in memory. An
    // instance's events (its accepts and its chosen record) lie after the previous instance's.
    private readonly List<long> _chosenAt = [];
    private long _logStart;

    // Chosen records (and the marks behind them) held for the next write to carry in its commit.
    private readonly List<PersistThenSend> _held = [];

    public AcceptorActor(string persistenceId, NodeId self, PeerRouter router, IActorRef group, string journalPluginId, ProtocolOptions options)
    {
        PersistenceId = persistenceId;
        _options = options;
        _breakpoints = options.Breakpoints;
        _self = self;
        _router = router;
        _group = group;
        if (!string.IsNullOrEmpty(journalPluginId))
        {
            JournalPluginId = journalPluginId;
        }
    }

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case AcceptorEvent e:
                _recovered = _recovered.Apply(e);
                var first = _reading!.First;
                if (_reading.Add(e) is { } chosen)
                {
                    _recoveredLog!.Add(chosen);
                    _chosenAt.Add(LastSequenceNr);
                }
                else if (_reading.First != first)
                {
                    // A truncated journal's first mark, or an installed checkpoint: the log starts here.
                    _recoveredLog!.Clear();
                    _chosenAt.Clear();
                }

                if (e is LogMark m)
                {
                    _recoveredMarks!.Add((m.Instance, LastSequenceNr));
                }

                break;
            case RecoveryCompleted:
                var state = _recovered;
                var log = _recoveredLog!;
                _logStart = _reading!.First;
                var startChecksum = _reading.FirstPreviousChecksum;
                _truncation = new LogTruncation(_options, _logStart);
                _recoveredMarks!.ForEach(m => _truncation.Marked(m.Instance, m.SequenceNr));
                _recoveredLog = null;
                _reading = null;
                _recoveredMarks = null;
                if (_options.KeepInstances is not null)
                {
                    Timers.StartPeriodicTimer("truncate", TruncateTick.Instance, _options.TruncateInterval > TimeSpan.Zero ? _options.TruncateInterval : TimeSpan.FromMilliseconds(100));
                }

                // A new start of the node: its proposer sessions are numbered above every earlier
                // start's, and the number is durable before any proposer uses it.
                var started = new SessionStarted(checked(state.Session + 1));
                state = state.Apply(started);
                _acceptor = new Acceptor(_self, state, _breakpoints, _options.LogMarkEvery);
                Persist(started, _ =>
                {
                    _log.Info("Acceptor {0} recovered: instance {1}, promise {2}, journal from instance {3}, {4} chosen, start {5}", PersistenceId, state.Instance, state.Promised, _logStart, log.Count, state.Session);
                    _group.Tell(new AcceptorRecovered(state, log, _logStart, startChecksum));
                });
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case Prepare or Accept or InstanceLearned:
                Run(_acceptor!.Handle(message));
                break;
            case ReadIndexRequest q:
                // In memory the state is at least what is durable: the index is never too low.
                _router.Send(new Send(q.From, new ReadIndexReply(_acceptor!.ReadIndex, _self, q.Round)));
                break;
            case CheckpointInstalled c when c.Instance > _acceptor!.State.Instance:
                // Everything before it is void: the chosen log starts again at its instance.
                _logStart = c.Instance;
                _chosenAt.Clear();
                _truncation!.Installed(c.Instance);
                _log.Info("Acceptor {0}: the node installed a checkpoint; the journal starts again at instance {1}", PersistenceId, c.Instance);
                Run(_acceptor.Handle(c));
                break;
            case CheckpointInstalled:
                break;
            case CheckpointsKept k:
                _truncation!.Checkpointed(k.Oldest);
                Truncate();
                break;
            case TruncateTick:
                Truncate();
                break;
            case WriteHeld:
                Release();
                break;
            case FlushWrites:
                Release();
                DeferAsync(Sender, asker => asker.Tell(WritesFlushed.Instance));
                break;
            case DeleteMessagesSuccess d:
                Truncated(d.ToSequenceNr);
                break;
            case DeleteMessagesFailure f:
                _deleting = null;
                _truncation!.Failed(Environment.TickCount64);
                _breakpoints.Count("acceptor.truncate_failed");
                _log.Warning("Acceptor {0} could not cut its journal: {1}; trying again later", PersistenceId, f.Cause.Message);
                break;
            case ServeFromStorage read:
                ReadBack(read);
                break;
            case StorageRead done:
                SendRead(done);
                break;
            case Status.Failure f:
                _breakpoints.Count("acceptor.read_back_failed");
                _log.Warning("Acceptor {0} could not read chosen instances back: {1}", PersistenceId, f.Cause.Message);
                break;
            default:
                _breakpoints.Count("acceptor.unexpected_message");
                _log.Warning("Acceptor dropped unexpected {0}", message.GetType().Name);
                break;
        }
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _breakpoints.Count("acceptor.journal_failure");
        _log.Error(cause, "Acceptor {0} could not write {1}; no reply leaves, restarting from the journal", PersistenceId, @event.GetType().Name);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    /// <summary>
    /// The journal refused one event (Akka.Persistence's default logs it and carries on). The
    /// state in memory already has it, so carrying on would let a repeat's reply, or a later
    /// write's, vouch for a promise or an accept that is not durable. Handled like a failure:
    /// stop before anything else is handled; the supervisor starts the acceptor again from the
    /// journal, and the group brings it up to date.
    /// </summary>
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _breakpoints.Count("acceptor.journal_rejected");
        _log.Error(cause, "Acceptor {0}: the journal rejected {1} (sequence number {2}); no reply leaves, restarting from the journal", PersistenceId, @event.GetType().Name, sequenceNr);
        Context.Stop(Self);
    }

    private void Run(IReadOnlyList<Effect> effects)
    {
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case PersistThenSend { MayWait: true } p when _options.ChosenWriteDelay > TimeSpan.Zero:
                    _held.Add(p);
                    if (_held.Count == 1)
                    {
                        Timers.StartSingleTimer(WriteHeld.Instance, WriteHeld.Instance, _options.ChosenWriteDelay);
                    }

                    break;
                case PersistThenSend { Event: null } p:
                    Release();
                    DeferAsync(p, Reply);
                    break;
                case PersistThenSend p:
                    Release();
                    Write(p);
                    break;
                case Send s:
                    _router.Send(s);
                    break;
                case Halt h:
                    _group.Tell(new HaltGroup(h.Reason));
                    break;
                case Dropped d:
                    _breakpoints.Count("dropped." + d.Reason);
                    break;
                default:
                    throw new InvalidOperationException($"The acceptor actor has no way to carry out {effect.GetType().Name}.");
            }
        }
    }

    /// <summary>The held writes go out now, ahead of whatever follows: the journal stays in the acceptor's order.</summary>
    private void Release()
    {
        if (_held.Count == 0)
        {
            return;
        }

        Timers.Cancel(WriteHeld.Instance);
        _held.ForEach(Write);
        _held.Clear();
    }

    private void Write(PersistThenSend p)
    {
        // Batching happens across inputs in the journal: writes queued while it commits share the next commit.
#pragma warning disable AK1006
        PersistAsync(p.Event!, e =>
        {
            if (ChosenLog.ChosenInstance(e) == _logStart + _chosenAt.Count)
            {
                _chosenAt.Add(LastSequenceNr);
            }
            else if (e is LogMark m)
            {
                _truncation!.Marked(m.Instance, LastSequenceNr);
                _group.Tell(new ChosenDurable(m.Instance));
            }

            Reply(p);
        });
#pragma warning restore AK1006
    }

    private void ReadBack(ServeFromStorage read)
    {
        // A cut since the learner decided: the node asks again and is offered a checkpoint.
        var until = Math.Min(read.Until, _logStart + _chosenAt.Count);
        if (read.From < _logStart || read.From >= until)
        {
            return;
        }

        _breakpoints.Count("acceptor.read_back");
        var journal = Persistence.Instance.Apply(Context.System).JournalFor(JournalPluginId);
        var request = read with { Until = until };
        var first = read.From == _logStart ? 1 : _chosenAt[(int)(read.From - _logStart) - 1] + 1;
        Context.ActorOf(Props.Create(() => new JournalReader(journal, PersistenceId, first, _chosenAt[(int)(until - _logStart) - 1], request)));
    }

    /// <summary>Starts the next step of cutting the journal, if one is due.</summary>
    private void Truncate()
    {
        if (_deleting is null && _truncation!.Next(Environment.TickCount64) is { } step)
        {
            _deleting = step;
            DeleteMessages(step.Position - 1);
        }
    }

    private void Truncated(long toSequenceNr)
    {
        if (_deleting is not { } step || step.Position - 1 != toSequenceNr)
        {
            return;
        }

        _deleting = null;
        _truncation!.Deleted(Environment.TickCount64);
        if (step.Instance > _logStart)
        {
            _chosenAt.RemoveRange(0, (int)Math.Min(step.Instance - _logStart, _chosenAt.Count));
            _logStart = step.Instance;
        }

        _breakpoints.Count("acceptor.truncated");
        _log.Info("Acceptor {0} cut its journal: it begins at instance {1} (events before sequence number {2} deleted)", PersistenceId, step.Instance, step.Position);
        _group.Tell(new LogTruncated(step.Instance));
    }

    private void SendRead(StorageRead done)
    {
        var next = done.Request.From;
        foreach (var c in done.Chosen)
        {
            if (c.Instance == next && next < done.Request.Until)
            {
                _router.Send(new Send(done.Request.To, new ValueChosen(c.Instance, _self, c.Value, c.Checksum)));
                next++;
            }
        }

        if (next < done.Request.Offer)
        {
            _router.Send(new Send(done.Request.To, new LearnOffer(done.Request.Offer, _self)));
        }
    }

    private void Reply(PersistThenSend p)
    {
        foreach (var reply in p.Replies)
        {
            _router.Send(reply);
        }
    }
}
