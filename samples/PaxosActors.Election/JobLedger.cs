namespace PaxosActors.Election;

/// <summary>Run job <see cref="Job"/> as master <see cref="Master"/>, which held the lease at <see cref="MasterVersion"/>.</summary>
public sealed record RunJob(int Master, long MasterVersion, long Job);

/// <summary>The job ran, at log instance <see cref="Instance"/>.</summary>
public sealed record JobDone(long Job, int Master, long Instance);

/// <summary>The job was refused on every node: <see cref="Reason"/> says why, <see cref="NextJob"/> is the job due now.</summary>
public sealed record JobRefused(string Reason, long NextJob);

/// <summary>A read of the ledger: the job due next and who ran the last one.</summary>
public sealed record LedgerQuery
{
    public static readonly LedgerQuery Instance = new();
}

/// <summary>The answer to <see cref="LedgerQuery"/>.</summary>
public sealed record LedgerView(long NextJob, int LastMaster, int Master, long TermStart);

/// <summary>
/// The replicated record of the work the master did, fenced by the master version. The log tells
/// it every master bid (<see cref="IMasterAware"/>); a bid by a new node starts a term at its
/// version. A job runs only if it comes from the master of the current term, stamped with a
/// version of that term, and is the next job: so work a deposed master sends late (it paused, or
/// its message sat in a queue) is refused on every node alike, and every job runs once, in order,
/// across failovers. Deterministic, as a state machine must be.
/// </summary>
public sealed class JobLedger : IReadableStateMachine, IMasterAware
{
    private readonly List<JobDone> _done = [];
    private readonly Lock _lock = new();
    private int _master;
    private long _termStart;

    public int Id => 1;

    /// <summary>Every job that ran, in order (a copy).</summary>
    public IReadOnlyList<JobDone> Done
    {
        get
        {
            lock (_lock)
            {
                return [.. _done];
            }
        }
    }

    public void MasterChanged(int masterNodeId, long version, long instance)
    {
        lock (_lock)
        {
            if (masterNodeId != _master)
            {
                _master = masterNodeId;
                _termStart = version;
            }
        }
    }

    public object? Execute(long instance, object command)
    {
        lock (_lock)
        {
            var next = _done.Count + 1;
            switch (command)
            {
                case RunJob j when j.Master != _master || _master == 0:
                    return new JobRefused($"node {j.Master} is not the master (node {_master} is, since version {_termStart})", next);
                case RunJob j when j.MasterVersion < _termStart:
                    return new JobRefused($"version {j.MasterVersion} is older than the master's term, which began at {_termStart}", next);
                case RunJob j when j.Job != next:
                    return new JobRefused($"job {j.Job} is not the next one", next);
                case RunJob j:
                    var done = new JobDone(j.Job, j.Master, instance);
                    _done.Add(done);
                    return done;
                default:
                    throw new ArgumentException($"The ledger runs RunJob, not {command.GetType().Name}.", nameof(command));
            }
        }
    }

    public object? Read(object query)
    {
        lock (_lock)
        {
            return query is LedgerQuery
                ? new LedgerView(_done.Count + 1, _done.Count == 0 ? 0 : _done[^1].Master, _master, _termStart)
                : throw new ArgumentException($"The ledger reads LedgerQuery, not {query.GetType().Name}.", nameof(query));
        }
    }
}
