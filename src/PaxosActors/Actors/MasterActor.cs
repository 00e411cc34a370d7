using Akka.Actor;
using Akka.Event;
using PaxosActors.Core;

namespace PaxosActors.Actors;

/// <summary>
/// A group's master lease on this node, a child of the GroupActor: it keeps the core's
/// <see cref="MasterLease"/> on this process's monotonic clock, learns the bids the learner
/// applies, bids through the proposer when the rules say so (only while this node votes),
/// answers <see cref="GetMaster"/>, <see cref="IsMaster"/> and <see cref="DropMaster"/>, and
/// publishes <see cref="MasterChanged"/>.
/// </summary>
internal sealed class MasterActor : UntypedActor, IWithTimers
{
    private readonly string _group;
    private readonly NodeId _self;
    private readonly MasterLease _lease;
    private readonly IActorRef _proposer;
    private readonly TimeSpan _tick;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _voting;
    private (NodeId Master, bool IsSelf) _published = (NodeId.None, false);

    /// <param name="incarnation">What this start's bids carry: the group's coordinator fences with the same.</param>
    public MasterActor(string group, NodeId self, MasterOptions options, IActorRef proposer, long incarnation)
    {
        _group = group;
        _self = self;
        _proposer = proposer;
        _lease = new MasterLease(self, incarnation, options, new SeededRandom(Random.Shared.Next()));
        _tick = TimeSpan.FromMilliseconds(Math.Clamp(options.LeaseMs / 20, 10, 500));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private static long Now => Environment.TickCount64;

    public static Props Props(string group, NodeId self, MasterOptions options, IActorRef proposer, long incarnation) =>
        Akka.Actor.Props.Create(() => new MasterActor(group, self, options, proposer, incarnation));

    protected override void PreStart()
    {
        _lease.Load(MasterState.Initial, Now);
        Timers.StartPeriodicTimer("tick", Tick.Instance, _tick);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case MasterLoaded l:
                _lease.Load(l.State, Now);
                Publish();
                break;
            case MasterLearned l:
                _lease.Learn(l.Instance, l.Bid, Now);
                Publish();
                break;
            case MasterVoter v:
                _voting = v.Voting;
                break;
            case Tick:
                if (_voting && _lease.Bid(Now) is { } bid)
                {
                    _proposer.Tell(new ProposeMaster(bid));
                }

                Publish();
                break;
            case ProposeFailed:
                _lease.Answered();
                break;
            case ProposeResult:
                break;
            case GetMaster or IsMaster:
                Sender.Tell(Info());
                break;
            case DropMaster:
                if (_lease.Drop(Now) is { } release)
                {
                    _log.Info("Group {0}: node {1} drops the master lease (version {2})", _group, _self, _lease.State.Version);
                    _proposer.Tell(new ProposeMaster(release));
                }

                Publish();
                Sender.Tell(Info());
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private MasterInfo Info()
    {
        var view = _lease.View(Now);
        return new MasterInfo(_group, view.Master.Value, view.Version, view.RemainingMs, view.Master == _self && _lease.IsMaster(Now));
    }

    /// <summary>Tells the event stream when the master this node sees, or whether it is this node, changed.</summary>
    private void Publish()
    {
        var now = Now;
        var view = _lease.View(now);
        (NodeId Master, bool IsSelf) seen = (view.Master, _lease.IsMaster(now));
        if (seen == _published)
        {
            return;
        }

        if (seen.IsSelf != _published.IsSelf)
        {
            _log.Info("Group {0}: this node {1} the master lease (version {2})", _group, seen.IsSelf ? "holds" : "no longer holds", view.Version);
        }

        _published = seen;
        Context.System.EventStream.Publish(new MasterChanged(_group, _self.Value, view.Master.Value, view.Version, seen.IsSelf));
    }

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }
}
