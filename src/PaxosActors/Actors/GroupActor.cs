using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using PaxosActors.Core;
using PaxosActors.Hosting;
using PaxosActors.Messages;
using PaxosActors.Storage;
using Dropped = PaxosActors.Core.Dropped;

namespace PaxosActors.Actors;

/// <summary>
/// The entry point of one group on one node, for clients and for peers' Paxos messages. It
/// waits for the acceptor to recover, then runs the pure <see cref="InstanceCoordinator"/> and
/// hands its decisions to the proposer, acceptor and learner children. A child's mailbox sees
/// every advance before any message of the next instance, because this actor sends both.
/// </summary>
internal sealed partial class GroupActor : UntypedActor, IWithUnboundedStash, IWithTimers
{
    private readonly PaxosSettings _settings;
    private readonly GroupSettings _group;
    private readonly IReadOnlyDictionary<int, IStateMachine> _machines;
    private readonly Membership _configured;

    // The settings' protocol options, counting on this node's meter with this group's tags.
    private readonly ProtocolOptions _protocol;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<InstanceLearned> _acceptorBacklog = [];
    private PeerRouter _router = null!;
    private IActorRef _acceptor = ActorRefs.Nobody;
    private IActorRef _proposer = ActorRefs.Nobody;
    private QueueGauge? _queueGauge;
    private IActorRef _learner = ActorRefs.Nobody;
    private IActorRef _master = ActorRefs.Nobody;
    private InstanceCoordinator _coordinator = null!;
    private SystemState _system;
    private AcceptorRecovered? _recovered;

    // The highest instance each node asked this one to learn from: how far a learner has come.
    private readonly Dictionary<NodeId, long> _asked = [];
    private readonly HashSet<(NodeId, string)> _mismatchLogged = [];
    private Address? _localAddress;
    private bool _acceptorInStep;

    // A restarted acceptor: its recovered state, the learner's answers still due, and, while it
    // lacks instances the learner no longer holds, their fetch from the peers and what follows.
    private AcceptorState? _restarted;
    private int _readLogs;
    private AcceptorCatchUp? _catchUp;
    private LogEntries? _window;
    private string? _halted;
    private InstancesSkipped? _installed;

    public GroupActor(PaxosSettings settings, GroupSettings group, IReadOnlyList<IStateMachine> machines)
    {
        _settings = settings;
        _group = group;
        _machines = machines.ToDictionary(m => m.Id);
        _configured = new Membership(group.Members, followers: group.Followers);
        _system = SystemState.Initial(group.Members);
        _barrier = new ReadBarrier(settings.NodeId, (long)Math.Max(50, settings.Protocol.AcceptTimeout.TotalMilliseconds));
        _protocol = settings.Protocol with { Breakpoints = NodeMetrics.For(Context.System).For(group.Name, settings.NodeId) };
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The members of this node's next instance, as the log has made them.</summary>
    private Membership Members => _coordinator.Members;

    private bool IsMember => Members.Contains(_settings.NodeId);

    private bool IsFollower => _configured.IsFollower(_settings.NodeId);

    public static Props Props(PaxosSettings settings, GroupSettings group, IReadOnlyList<IStateMachine> machines) =>
        Akka.Actor.Props.Create(() => new GroupActor(settings, group, machines));

    protected override void PreStart()
    {
        _router = PeerRouter.Create((ExtendedActorSystem)Context.System, _settings, _group, Self);
        if (!_configured.Contains(_settings.NodeId) && !IsFollower)
        {
            _log.Info("Node {0} is not among group {1}'s configured members: it learns the group's log once the log adds it, and votes once it is promoted (AddMember)", _settings.NodeId, _group.Name);
        }

        var persistenceId = $"paxos-{_group.Name}-{_settings.NodeId}";
        var acceptor = Akka.Actor.Props.Create(() => new AcceptorActor(persistenceId, _settings.NodeId, _router, Self, _settings.JournalPluginId, _protocol));
        _acceptor = Context.ActorOf(
            BackoffSupervisor.Props(Backoff.OnStop(acceptor, "acceptor", _settings.AcceptorRestartMinBackoff, _settings.AcceptorRestartMaxBackoff, 0.2, maxNrOfRetries: -1)),
            "acceptor");
        Become(Starting);
    }

    protected override void OnReceive(object message) => Unhandled(message);

    protected override void PostStop()
    {
        _queueGauge?.Dispose();
        base.PostStop();
    }

    protected override void Unhandled(object message)
    {
        _protocol.Breakpoints.Count("group.unexpected_message");
        _log.Warning("Group {0} dropped unexpected {1} from {2}", _group.Name, message.GetType().Name, Sender);
    }

    private void Starting(object message)
    {
        if (message is not AcceptorRecovered r)
        {
            Stash.Stash();
            return;
        }

        // The learner starts first: its replay of the recovered log (after the newest checkpoint)
        // yields the membership the next instance runs with.
        _recovered = r;
        var learner = new Learner(_settings.NodeId, _protocol, r.Log, r.LogStart, r.StartChecksum);
        var checkpoints = Checkpoints();
        var system = _system;
        _learner = Context.ActorOf(Akka.Actor.Props.Create(() => new LearnerActor(_group.Name, learner, _machines, system, _router, _acceptor, _settings.CatchUpRate, _protocol, checkpoints, _group.Master)), "learner");
        Become(Replaying);
    }

    private void Replaying(object message)
    {
        if (message is not MembershipReplayed m)
        {
            Stash.Stash();
            return;
        }

        var r = _recovered!;
        _recovered = null;
        var self = _settings.NodeId;
        UseMembership(m.State);
        var members = _configured.With(m.State);

        // The master's bids carry this start's incarnation; the fence and MasterActor both know it.
        var incarnation = Random.Shared.NextInt64(1, long.MaxValue);
        var fence = _group.Master ? new LeaseFence(self, incarnation, _settings.Master, m.Master, () => Environment.TickCount64) : null;
        _coordinator = new InstanceCoordinator(self, members, _protocol, r.State.Instance, r.State.PreviousChecksum, fence);
        var proposer = new Proposer(self, members, _protocol, new SeededRandom(Random.Shared.Next()), r.State.Instance, r.State.PreviousChecksum, r.State.Promised.ProposalId);
        var machineIds = _machines.Keys.Append(StoredCommand.SystemMachine).Append(StoredCommand.MasterMachine).ToHashSet();
        if (!IsFollower)
        {
            // Each incarnation of the proposer actor gets a session above the one before: the
            // acceptor made this start's number durable, and incarnations count up within it.
            // A learner has one too: it refuses commands until the log gives it a vote.
            var start = r.State.Session;
            var incarnations = 0L;
            Func<long> session = () => AcceptorState.ProposerSession(start, Interlocked.Increment(ref incarnations));
            var queue = _queueGauge = NodeMetrics.Queue(Context.System, _group.Name, self);
            _proposer = Context.ActorOf(Akka.Actor.Props.Create(() => new ProposerActor(_settings.NodeId, _protocol, members, proposer, _router, machineIds, session, queue)), "proposer");
            _learner.Tell(new ProposerIs(_proposer));
            if (_group.Master)
            {
                _master = Context.ActorOf(MasterActor.Props(_group.Name, self, _settings.Master, _proposer, incarnation), "master");
                _master.Tell(new MasterVoter(IsMember));
                Run([_coordinator.MasterHint()!]);
            }
        }

        var jitter = TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)(_settings.LearnInterval.TotalMilliseconds / 5) + 1));
        Timers.StartPeriodicTimer("learn", LearnTick.Instance, _settings.LearnInterval + jitter);
        _acceptorInStep = true;
        _log.Info("Group {0} on node {1} ready at instance {2}, membership {3}", _group.Name, self, r.State.Instance, m.State);
        Become(Ready);
        Stash.UnstashAll();
    }

    /// <summary>Where this group keeps checkpoints, or null if it takes none.</summary>
    private CheckpointStore? Checkpoints()
    {
        if (_settings.CheckpointDir is null || _protocol.CheckpointEvery == 0)
        {
            return null;
        }

        var plain = _machines.Values.Where(m => m is not ICheckpointable).Select(m => m.GetType().Name).ToList();
        if (plain.Count > 0)
        {
            _log.Info("Group {0} takes no checkpoints: {1} do(es) not implement ICheckpointable", _group.Name, string.Join(", ", plain));
            return null;
        }

        return new CheckpointStore(_settings.CheckpointDir, _settings.CheckpointKeep);
    }

    private void Ready(object message)
    {
        switch (message)
        {
            case PaxosEnvelope e when e.ClusterId != _settings.ClusterId:
                _protocol.Breakpoints.Count("dropped.wrong_cluster");
                break;
            case PaxosEnvelope e when e.Group != _group.Name:
                _protocol.Breakpoints.Count("dropped.wrong_group");
                break;
            case PaxosEnvelope e when !SentBy(e.Message.From):
                SenderMismatch(e.Message.From, e.Message.GetType().Name);
                break;
            case PaxosEnvelope { Message: ReadIndexRequest q }:
                if (Members.MayLearn(q.From) && _halted is null)
                {
                    _acceptor.Tell(q);
                }
                else
                {
                    _protocol.Breakpoints.Count("dropped.read_index");
                }

                break;
            case PaxosEnvelope { Message: ReadIndexReply a }:
                ReadAnswered(a);
                break;
            case PaxosEnvelope e:
                if (e.Message is AskForLearn ask && Members.MayLearn(ask.From))
                {
                    _asked[ask.From] = Math.Max(_asked.GetValueOrDefault(ask.From, -1), ask.Instance);
                }

                if (_catchUp is not null && _halted is null)
                {
                    RunCatchUp(_catchUp.Handle(e.Message));
                }

                Run(_coordinator.Handle(e.Message));
                break;
            case Read when _halted is not null:
                Sender.Tell(new ProposeFailed(ProposeFailureReason.GroupHalted, _halted));
                break;
            case Read r:
                BeginRead(r, Sender);
                break;
            case ReadAgain r:
                BeginRead(r.Request, r.ReplyTo);
                break;
            case ReadTick:
                ReadTicked();
                break;
            case Propose or BatchPropose when _halted is not null:
                Sender.Tell(new ProposeFailed(ProposeFailureReason.GroupHalted, _halted));
                break;
            case Propose or BatchPropose when IsFollower:
                Sender.Tell(new ProposeFailed(ProposeFailureReason.Follower, $"Node {_settings.NodeId.Value} follows group {_group.Name} and does not vote; propose through a member."));
                break;
            case Propose { StateMachineId: < 0 } or BatchPropose { StateMachineId: < 0 }:
                Sender.Tell(new ProposeFailed(ProposeFailureReason.UnknownStateMachine, "Negative state machine ids are the group's own (-1 the membership, -2 the master): use AddMember, RemoveMember, ChangeMember, GetMaster or DropMaster."));
                break;
            case Propose or BatchPropose:
                _proposer.Forward(message);
                break;
            case AddMember or RemoveMember or ChangeMember:
                ChangeMembers(message);
                break;
            case GetMembership:
                Sender.Tell(GroupMembership.Of(_group.Name, _system, _router.Addresses));
                break;
            case LearnerProgressQuery q:
                Sender.Tell(new LearnerProgress(_asked.GetValueOrDefault(q.Node, -1), _coordinator.Instance));
                break;
            case MembershipApplied m:
                UseMembership(m.State);
                Run(_coordinator.SystemApplied(m.Through, m.State));
                _master.Tell(new MasterVoter(IsMember));
                break;
            case MasterLearned l:
                // Before the learner's word that the next instance may go on (MembershipApplied):
                // the fence knows the bid by the time this node votes again.
                Run(_coordinator.MasterLearned(l.Instance, l.Bid));
                _master.Tell(message);
                break;
            case MasterLoaded:
                _master.Tell(message);
                break;
            case GetMaster or IsMaster or DropMaster when _master.IsNobody():
                Sender.Tell(new MasterInfo(_group.Name, 0, 0, 0, IsSelf: false, Enabled: false));
                break;
            case DropMaster:
                // This node stops serving lease reads before the release is even proposed.
                _coordinator.DropLease();
                _master.Forward(message);
                break;
            case GetMaster or IsMaster:
                _master.Forward(message);
                break;
            case ForwardedCommands f when f.ClusterId != _settings.ClusterId || f.Group != _group.Name || !Members.Contains(f.From) || !IsMember:
                _protocol.Breakpoints.Count("dropped.forward_misaddressed");
                break;
            case ForwardRefused r when r.ClusterId != _settings.ClusterId || r.Group != _group.Name || !IsMember:
                _protocol.Breakpoints.Count("dropped.forward_misaddressed");
                break;
            case ForwardedCommands f when !SentBy(f.From):
                SenderMismatch(f.From, nameof(ForwardedCommands));
                break;
            case ForwardRefused r when !Members.Contains(r.From) || !SentBy(r.From):
                // Only a member (the leader it was handed to) refuses, and only for itself.
                SenderMismatch(r.From, nameof(ForwardRefused));
                break;
            case ForwardedCommands or ForwardRefused:
                _proposer.Tell(message);
                break;
            case FlushWrites:
                _acceptor.Forward(message);
                break;
            case LearnTick:
                Run(_coordinator.OnLearnTick());
                if (_catchUp is not null && _halted is null)
                {
                    RunCatchUp(_catchUp.OnTick());
                }

                break;
            case GetGroupStatus:
                _learner.Tell(new StatusRequest(_halted is not null, _halted, Sender, _coordinator.Instance, _coordinator.PeerInstance));
                break;
            case AcceptorRecovered r:
                // The acceptor restarted after a storage failure and may have lost writes that
                // never got a reply; bring its chosen log up to what this node has learned. The
                // learner's answer covers everything learned until now, so the backlog restarts.
                _log.Warning("Group {0}: acceptor restarted at instance {1}; catching it up", _group.Name, r.State.Instance);
                _acceptorInStep = false;
                _acceptorBacklog.Clear();
                _catchUp = null;
                _restarted = r.State;
                _readLogs++;
                _learner.Tell(new ReadLog(r.State.Instance));
                break;
            case LogEntries l:
                OnLogEntries(l);
                break;
            case ChosenDurable d:
                _learner.Tell(d);
                break;
            case LogTruncated t:
                _learner.Tell(t);
                Context.System.EventStream.Publish(new JournalTruncated(_group.Name, _settings.NodeId.Value, t.Start));
                break;
            case CheckpointInstalledHere c:
                // The learner loaded a fetched checkpoint: the acceptor jumps there even while it
                // catches up (what it lacked is covered now), the proposer and coordinator follow.
                if (c.Skipped.Instance > (_installed?.Instance ?? 0))
                {
                    _installed = c.Skipped;
                }

                if (c.Skipped.System is { } installedMembers)
                {
                    UseMembership(installedMembers);
                }

                foreach (var effect in _coordinator.Skip(c.Skipped))
                {
                    if (effect is Deliver { To: Role.Acceptor, Input: CheckpointInstalled installed })
                    {
                        _acceptor.Tell(installed);
                    }
                    else
                    {
                        Run([effect]);
                    }
                }

                _master.Tell(new MasterVoter(IsMember));
                if (_catchUp is not null)
                {
                    // What it was fetching lies below the checkpoint: nothing left to fetch.
                    HandOver(_window!);
                }

                break;
            case HaltGroup h:
                Halt(h.Reason);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Run(IReadOnlyList<Effect> effects)
    {
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case Deliver { To: Role.Acceptor } d:
                    if (_acceptorInStep)
                    {
                        _acceptor.Tell(d.Input);
                    }
                    else if (d.Input is InstanceLearned l)
                    {
                        _acceptorBacklog.Add(l);
                    }
                    else
                    {
                        // A prepare or accept while the acceptor catches up: a lost message.
                        _protocol.Breakpoints.Count("dropped.acceptor_catching_up");
                    }

                    break;
                case Deliver { To: Role.Proposer } d:
                    _proposer.Tell(d.Input);
                    break;
                case Deliver { To: Role.Learner } d:
                    _learner.Tell(d.Input);
                    break;
                case Send s:
                    _router.Send(s);
                    break;
                case Halt h:
                    Halt(h.Reason);
                    break;
                case Dropped d:
                    _protocol.Breakpoints.Count("dropped." + d.Reason);
                    break;
                default:
                    throw new InvalidOperationException($"The group actor has no way to carry out {effect.GetType().Name}.");
            }
        }
    }

    /// <summary>
    /// The learner's chosen instances for the restarted acceptor, from where it restarted or,
    /// when the learner no longer holds those, from its first in memory: then the instances in
    /// between come from the peers first (<see cref="AcceptorCatchUp"/>).
    /// </summary>
    private void OnLogEntries(LogEntries l)
    {
        if (--_readLogs > 0)
        {
            // The answer for an earlier restart of the acceptor; the latest one's follows.
            return;
        }

        var (from, previous) = (_restarted!.Instance, _restarted.PreviousChecksum);
        if (_installed is { } installed && installed.Instance > from)
        {
            // The acceptor restarted from a journal its jump to the checkpoint the learner
            // installed had not reached yet: everything below it is covered, so it jumps again.
            _log.Info("Group {0}: the acceptor restarted at instance {1}, before the checkpoint installed at {2}; it starts again there", _group.Name, from, installed.Instance);
            _acceptor.Tell(new CheckpointInstalled(installed.Instance, installed.PreviousChecksum));
            (from, previous) = (installed.Instance, installed.PreviousChecksum);
        }

        if (l.From <= from)
        {
            HandOver(l);
            return;
        }

        _log.Warning("Group {0}: the acceptor restarted at instance {1}, before the learner's memory ({2}); fetching the instances in between from the peers", _group.Name, from, l.From);
        _window = l;
        _catchUp = new AcceptorCatchUp(_settings.NodeId, Members, from, previous, l.From, l.Entries.Count > 0 ? l.Entries[0] : null, _protocol.Breakpoints);
        RunCatchUp(_catchUp.Start());
    }

    private void RunCatchUp(IReadOnlyList<Effect> effects)
    {
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case Deliver { To: Role.Acceptor } d:
                    _acceptor.Tell(d.Input);
                    break;
                case Send s:
                    _router.Send(s);
                    break;
                case Halt h:
                    Halt(h.Reason);
                    break;
                default:
                    throw new InvalidOperationException($"The acceptor's catch-up has no way to carry out {effect.GetType().Name}.");
            }
        }

        if (_catchUp is { IsDone: true, HaltReason: null })
        {
            _log.Info("Group {0}: the acceptor has the instances before {1} from the peers; handing it the rest", _group.Name, _catchUp.Until);
            HandOver(_window!);
        }
    }

    /// <summary>The acceptor gets the learner's entries, then what was learned since: it is in step again.</summary>
    private void HandOver(LogEntries l)
    {
        for (var i = 0; i < l.Entries.Count; i++)
        {
            _acceptor.Tell(new InstanceLearned(l.From + i, l.Entries[i].Value, l.Entries[i].Checksum));
        }

        _acceptorBacklog.ForEach(b => _acceptor.Tell(b));
        _acceptorBacklog.Clear();
        _acceptorInStep = true;
        _catchUp = null;
        _window = null;
    }

    /// <summary>
    /// Whether the current message comes from <paramref name="claimed"/>, the node it names as
    /// its sender: its Akka sender's address must be the one the address book holds for that
    /// node (configured, or as the log changed it). A node with no address known is no member,
    /// learner or follower; the coordinator drops its messages.
    /// </summary>
    private bool SentBy(NodeId claimed) => !_router.Addresses.ContainsKey(claimed) || SenderNode() == claimed;

    /// <summary>
    /// The node the current message comes from, by its sender's Akka address: this node for a
    /// local sender (a local send carries an address without host), the node at that
    /// address for a remote one, none without a sender (a remote message sent without one
    /// arrives from deadLetters, a local ref) or from an address no node has.
    /// </summary>
    private NodeId? SenderNode()
    {
        if (Sender.IsNobody())
        {
            return null;
        }

        var address = Sender.Path.Address;
        _localAddress ??= ((ExtendedActorSystem)Context.System).Provider.DefaultAddress;
        if (address.HasLocalScope || address.Equals(_localAddress))
        {
            return _settings.NodeId;
        }

        return _router.NodeAt(address);
    }

    private void SenderMismatch(NodeId claimed, string what)
    {
        _protocol.Breakpoints.Count("dropped.sender_mismatch");
        var address = Sender.IsNobody() ? "no sender" : Sender.Path.Address.ToString();
        if (_mismatchLogged.Count < 64 && _mismatchLogged.Add((claimed, address)))
        {
            _log.Warning(
                "Group {0} dropped {1} claiming node {2} from {3}, which is not that node's address (counted as paxos.dropped.sender_mismatch; logged once per claim and address)",
                _group.Name,
                what,
                claimed,
                address);
        }
    }

    private void Halt(string reason)
    {
        if (_halted is not null)
        {
            return;
        }

        _halted = reason;
        _coordinator.Halt(reason);
        _protocol.Breakpoints.Count("group.halted");
        _log.Error("Group {0} HALTED on node {1}: {2}. Other groups keep running; this one needs an operator.", _group.Name, _settings.NodeId, reason);
        _proposer.Tell(new GroupStopped(reason));
    }
}
