namespace PaxosActors.Core;

/// <summary>What a <see cref="CatchUpWatch"/> says about its learner.</summary>
internal enum CatchUpVerdict
{
    /// <summary>Still behind, and there is time left.</summary>
    Waiting,

    /// <summary>Close enough to this node's log to vote without slowing the group down.</summary>
    CaughtUp,

    /// <summary>Not caught up by the deadline: it stays a learner.</summary>
    TimedOut,
}

/// <summary>
/// Decides when a node that joined as a learner may be given a vote: when it asks to learn from
/// an instance past its own join and within <see cref="Slack"/> instances of this node's log.
/// Promoting a node that is far behind is safe but makes it a voter that cannot vote yet: in a
/// group of three with one member down, the group would stall until it caught up. Time is an
/// input (milliseconds of any monotonic clock).
/// </summary>
internal sealed class CatchUpWatch
{
    private readonly long _deadline;

    /// <param name="joinedAt">The instance the join was chosen in: the learner must have learned it.</param>
    /// <param name="slack">How many instances behind this node's log still counts as caught up.</param>
    public CatchUpWatch(NodeId node, long joinedAt, long slack, long now, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slack);
        ArgumentOutOfRangeException.ThrowIfNegative(joinedAt);
        Node = node;
        JoinedAt = joinedAt;
        Slack = slack;
        _deadline = checked(now + (long)timeout.TotalMilliseconds);
    }

    public NodeId Node { get; }

    public long JoinedAt { get; }

    public long Slack { get; }

    /// <summary>The highest instance the learner asked to learn from, as this node has seen (-1: none yet).</summary>
    public long Asked { get; private set; } = -1;

    /// <summary>The learner asked to learn from <paramref name="instance"/> (an AskForLearn seen here).</summary>
    public void Observed(long instance) => Asked = Math.Max(Asked, instance);

    /// <summary>Where the learner stands against this node's next instance <paramref name="local"/>.</summary>
    public CatchUpVerdict Check(long local, long now) =>
        Asked > JoinedAt && Asked >= local - Slack ? CatchUpVerdict.CaughtUp
        : now >= _deadline ? CatchUpVerdict.TimedOut
        : CatchUpVerdict.Waiting;
}
