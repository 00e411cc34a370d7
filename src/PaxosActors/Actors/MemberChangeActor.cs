using Akka.Actor;
using PaxosActors.Core;

namespace PaxosActors.Actors;

/// <summary>
/// Carries out one client's membership change, a child of the GroupActor: it proposes the first
/// step (a join, or a removal), waits while a joined node catches up (the decision is the
/// core's <see cref="CatchUpWatch"/>), proposes the vote for it, and answers the client once.
/// Each step is a command of the system state machine, so it is ordered in the log with
/// everything else and applies from the next instance on every node.
/// </summary>
internal sealed class MemberChangeActor : UntypedActor, IWithTimers
{
    private readonly string _group;
    private readonly object _request;
    private readonly IActorRef _caller;
    private readonly IActorRef _proposer;
    private readonly MembershipSettings _settings;
    private readonly PeerRouter _router;
    private CatchUpWatch? _watch;
    private int _step = 1;

    public MemberChangeActor(string group, object request, IActorRef caller, IActorRef proposer, MembershipSettings settings, PeerRouter router)
    {
        _router = router;
        _group = group;
        _request = request;
        _caller = caller;
        _proposer = proposer;
        _settings = settings;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private static long Now => Environment.TickCount64;

    public static Props Props(string group, object request, IActorRef caller, IActorRef proposer, MembershipSettings settings, PeerRouter router) =>
        Akka.Actor.Props.Create(() => new MemberChangeActor(group, request, caller, proposer, settings, router));

    protected override void PreStart()
    {
        MemberChange first;
        try
        {
            first = _request switch
            {
                AddMember a => new JoinAsLearner(Node(a.NodeId), AddressOf(a.Address), a.ExpectedVersion),
                ChangeMember c when c.OldNodeId == c.NewNodeId => throw new ArgumentException($"Node {c.OldNodeId} cannot replace itself; to change its address, send AddMember({c.OldNodeId}, address)."),
                ChangeMember c => new JoinAsLearner(Node(c.NewNodeId), AddressOf(c.NewAddress), c.ExpectedVersion),
                RemoveMember r => new RemoveNode(Node(r.NodeId), r.ExpectedVersion),
                _ => throw new ArgumentException($"{_request.GetType().Name} is not a membership change."),
            };
        }
        catch (ArgumentException e)
        {
            Finish(new MemberChangeFailed(MemberChangeFailureReason.Rejected, e.Message));
            return;
        }

        Propose(first);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ProposeResult { Result: MemberChangeOutcome o } r:
                Decided(r.InstanceId, o);
                break;
            case ProposeFailed f:
                var reason = f.Reason == ProposeFailureReason.NotMember ? MemberChangeFailureReason.NotMember : MemberChangeFailureReason.ProposeFailed;
                Finish(new MemberChangeFailed(reason, $"{f.Reason}: {f.Message}", f.OutcomeUnknown));
                break;
            case CheckProgress:
                Context.Parent.Tell(new LearnerProgressQuery(_watch!.Node));
                break;
            case LearnerProgress p when _watch is not null:
                _watch.Observed(p.Asked);
                switch (_watch.Check(p.Local, Now))
                {
                    case CatchUpVerdict.CaughtUp:
                        Timers.Cancel("check");
                        _step = 2;
                        Propose(_request is ChangeMember c ? new ReplaceVoter(Node(c.OldNodeId), _watch.Node) : new Promote(_watch.Node));
                        _watch = null;
                        break;
                    case CatchUpVerdict.TimedOut:
                        Finish(new MemberChangeFailed(
                            MemberChangeFailureReason.LearnerBehind,
                            $"Node {_watch.Node.Value} joined group {_group} as a learner at instance {_watch.JoinedAt}, but was not within {_watch.Slack} instances of this node's log ({p.Local}) after {_settings.CatchUpTimeout.TotalSeconds:0.#} s (it asked to learn from {p.Asked}); it stays a learner without a vote. Start it or let it catch up, then send the change again, or remove it."));
                        break;
                }

                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Decided(long instance, MemberChangeOutcome o)
    {
        // Removing a node the group does not have changes nothing, and is most likely a typo.
        if (!o.Applied && (!o.Unchanged || _request is RemoveMember))
        {
            var expected = (_request as AddMember)?.ExpectedVersion ?? (_request as ChangeMember)?.ExpectedVersion ?? (_request as RemoveMember)?.ExpectedVersion;
            var mismatch = _step == 1 && expected is { } v && v != o.State.Version;
            Finish(new MemberChangeFailed(mismatch ? MemberChangeFailureReason.VersionMismatch : MemberChangeFailureReason.Rejected, o.Reason ?? "The change was refused."));
            return;
        }

        if (_step == 2 || _request is RemoveMember)
        {
            Finish(new MemberChangeSucceeded(instance, GroupMembership.Of(_group, o.State, _router.Addresses)));
            return;
        }

        var joined = _request is AddMember a ? Node(a.NodeId) : Node(((ChangeMember)_request).NewNodeId);
        if (o.State.Nodes.TryGetValue(joined, out var info) && info.Voting)
        {
            if (_request is AddMember)
            {
                // Already a voter: the join only recorded its address (or nothing changed).
                Finish(new MemberChangeSucceeded(instance, GroupMembership.Of(_group, o.State, _router.Addresses)));
            }
            else
            {
                Finish(new MemberChangeFailed(MemberChangeFailureReason.Rejected, $"Node {joined.Value} already votes; it cannot take another member's vote."));
            }

            return;
        }

        _watch = new CatchUpWatch(joined, instance, _settings.CatchUpSlack, Now, _settings.CatchUpTimeout);
        Timers.StartPeriodicTimer("check", CheckProgress.Instance, TimeSpan.Zero, _settings.CheckInterval);
    }

    private void Propose(MemberChange change) => _proposer.Tell(new ProposeSystem(change));

    private void Finish(object reply)
    {
        _caller.Tell(reply);
        Context.Stop(Self);
    }

    private static NodeId Node(int id) => id > 0 ? new NodeId(id) : throw new ArgumentException($"Node ids start at 1; {id} is not one.");

    private static string AddressOf(string address) =>
        Address.TryParse(address, out var parsed) && parsed.Host is not null && parsed.Port is not null
            ? parsed.ToString()
            : throw new ArgumentException($"'{address}' is not an Akka address with a host and port, such as akka.tcp://paxos@10.0.0.4:9004.");

    private sealed record CheckProgress
    {
        public static readonly CheckProgress Instance = new();
    }
}
