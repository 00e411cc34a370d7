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
/// journal.
/// </summary>
internal sealed class AcceptorActor : UntypedPersistentActor
{
    private readonly NodeId _self;
    private readonly PeerRouter _router;
    private readonly IActorRef _group;
    private readonly Breakpoints _breakpoints;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // Recovery folds each event as it arrives: only the chosen log (which the learner needs)
    // and the accepted values of instances not yet chosen are held, not every event.
    private AcceptorState _recovered = AcceptorState.Initial;
    private List<InstanceChosen>? _recoveredLog = [];
    private ChosenLog? _reading = new();
    private Acceptor? _acceptor;

    // The sequence number of each instance's chosen record (instance = index), to read it back
    // for a lagging node once the learner no longer holds it in memory. An instance's events
    // (its accepts and its chosen record) lie after the previous instance's chosen record.
    private readonly List<long> _chosenAt = [];

    public AcceptorActor(string persistenceId, NodeId self, PeerRouter router, IActorRef group, string journalPluginId, Breakpoints? breakpoints = null)
    {
        PersistenceId = persistenceId;
        _breakpoints = breakpoints ?? Breakpoints.Untagged;
        _self = self;
        _router = router;
        _group = group;
        if (!string.IsNullOrEmpty(journalPluginId))
        {
            JournalPluginId = journalPluginId;
        }
    }

    public override string PersistenceId { get; }

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case AcceptorEvent e:
                _recovered = _recovered.Apply(e);
                if (_reading!.Add(e) is { } chosen)
                {
                    _recoveredLog!.Add(chosen);
                    _chosenAt.Add(LastSequenceNr);
                }

                break;
            case RecoveryCompleted:
                var state = _recovered;
                var log = _recoveredLog!;
                _recoveredLog = null;
                _reading = null;

                // A new start of the node: its proposer sessions are numbered above every earlier
                // start's, and the number is durable before any proposer uses it.
                var started = new SessionStarted(checked(state.Session + 1));
                state = state.Apply(started);
                _acceptor = new Acceptor(_self, state, _breakpoints);
                Persist(started, _ =>
                {
                    _log.Info("Acceptor {0} recovered: instance {1}, promise {2}, {3} chosen, start {4}", PersistenceId, state.Instance, state.Promised, log.Count, state.Session);
                    _group.Tell(new AcceptorRecovered(state, log));
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
                case PersistThenSend { Event: null } p:
                    DeferAsync(p, Reply);
                    break;
                case PersistThenSend p:
                    // One input yields at most one write; batching happens across inputs in the journal.
#pragma warning disable AK1006
                    PersistAsync(p.Event, e =>
                    {
                        if (ChosenLog.ChosenInstance(e) == _chosenAt.Count)
                        {
                            _chosenAt.Add(LastSequenceNr);
                        }

                        Reply(p);
                    });
#pragma warning restore AK1006
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

    private void ReadBack(ServeFromStorage read)
    {
        var until = Math.Min(read.Until, _chosenAt.Count);
        if (read.From < 0 || read.From >= until)
        {
            return;
        }

        _breakpoints.Count("acceptor.read_back");
        var journal = Persistence.Instance.Apply(Context.System).JournalFor(JournalPluginId);
        var request = read with { Until = until };
        var first = read.From == 0 ? 1 : _chosenAt[(int)read.From - 1] + 1;
        Context.ActorOf(Props.Create(() => new JournalReader(journal, PersistenceId, first, _chosenAt[(int)until - 1], request)));
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
