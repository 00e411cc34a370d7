using Akka.Actor;
using Akka.Event;

namespace PaxosActors.Election;

/// <summary>
/// Runs the group's jobs on this node only while it holds the master lease. Every <c>every</c>
/// it asks its GroupActor whether this node is master (a local question, no round) and, if so,
/// proposes the next job to the <see cref="JobLedger"/>, stamped with the lease's version. New in
/// office, it first reads the ledger (a linearizable read, nothing written) for the job due. Out
/// of office it does nothing; and whatever it sent just before losing the lease is refused by the
/// ledger on every node, because a newer master's term has begun there.
/// </summary>
public sealed class ElectedWorker : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan Ask = TimeSpan.FromSeconds(5);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _group;
    private readonly TimeSpan _every;
    private readonly IActorRef _groupRef;
    private int _self;
    private long _next;
    private long _version;
    private bool _busy;

    public ElectedWorker(string group, IActorRef groupRef, TimeSpan every)
    {
        _group = group;
        _groupRef = groupRef;
        _every = every;
        Receive<MasterChanged>(m => m.Group == _group, OnMasterChanged);
        Receive<Tick>(_ => OnTick());
        Receive<MasterInfo>(OnMasterInfo);
        Receive<ProposeResult>(r => OnResult(r.Result));
        Receive<ProposeFailed>(f =>
        {
            _log.Warning("Group {0}: {1}: {2}", _group, f.Reason, f.Message);
            Idle();
        });
        Receive<Status.Failure>(f =>
        {
            _log.Warning("Group {0}: {1}", _group, f.Cause.Message);
            Idle();
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="group">The group, with <c>master = on</c>.</param>
    /// <param name="groupRef">Its GroupActor on this node (<see cref="PaxosExtension.StartGroupAsync"/>).</param>
    /// <param name="every">How often a master runs a job.</param>
    public static Props Props(string group, IActorRef groupRef, TimeSpan every) => Akka.Actor.Props.Create(() => new ElectedWorker(group, groupRef, every));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe<MasterChanged>(Self);
        Timers.StartPeriodicTimer("work", Tick.Instance, _every);
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void OnMasterChanged(MasterChanged m)
    {
        _log.Info("Group {0}: node {1} {2} master (version {3})", _group, m.NodeId, m.IsSelf ? "is now" : "is not", m.Version);
        if (!m.IsSelf)
        {
            // Out of office: the next term starts from what the ledger says then.
            _next = 0;
        }
    }

    private void OnTick()
    {
        if (_busy)
        {
            return;
        }

        _busy = true;
        _groupRef.Ask<MasterInfo>(GetMaster.Instance, Ask).PipeTo(Self);
    }

    private void OnMasterInfo(MasterInfo info)
    {
        if (!info.IsSelf)
        {
            _next = 0;
            Idle();
            return;
        }

        // The job carries the version the lease has now: every renewal raises it, and the ledger
        // accepts any version of the current master's term.
        _self = info.NodeId;
        _version = info.Version;
        if (_next == 0)
        {
            // New in office: the ledger says which job is due (a read barrier, nothing written).
            _groupRef.Ask<object>(new Read(LedgerQuery.Instance), Ask).PipeTo(Self);
            return;
        }

        _groupRef.Ask<object>(new Propose(new RunJob(info.NodeId, _version, _next)), Ask).PipeTo(Self);
    }

    private void OnResult(object? result)
    {
        switch (result)
        {
            case LedgerView v:
                _next = v.NextJob;
                _groupRef.Ask<object>(new Propose(new RunJob(_self, _version, _next)), Ask).PipeTo(Self);
                return;
            case JobDone d:
                _log.Debug("Group {0}: job {1} done at instance {2}", _group, d.Job, d.Instance);
                _next = d.Job + 1;
                break;
            case JobRefused r:
                _log.Info("Group {0}: job refused: {1}", _group, r.Reason);
                _next = r.NextJob;
                break;
        }

        Idle();
    }

    private void Idle() => _busy = false;

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }
}
