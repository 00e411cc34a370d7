namespace PaxosActors.Core;

/// <summary>
/// Decides when and how far an acceptor's journal is cut. The journal may only begin at a
/// <see cref="LogMark"/>; the marks this node has made durable are registered with their
/// positions. The target comes from the checkpoints: instances up to
/// <see cref="ProtocolOptions.KeepInstances"/> before the oldest checkpoint still kept stay, so a
/// restart can fall back to that checkpoint and replay from it, and peers that lag by less can
/// still learn instance by instance. Deletion goes a step at a time (at most about
/// <see cref="ProtocolOptions.TruncateStepInstances"/> instances, then a pause of
/// <see cref="ProtocolOptions.TruncateInterval"/>), so it never holds the journal for long.
/// Time is an input (milliseconds of any monotonic clock).
/// </summary>
internal sealed class LogTruncation
{
    private readonly ProtocolOptions _options;
    private readonly SortedList<long, long> _marks = [];
    private long _target;
    private long _notBefore;
    private (long Instance, long Position)? _deleting;

    /// <param name="start">The journal's first instance (that of its first mark, or 0).</param>
    public LogTruncation(ProtocolOptions options, long start)
    {
        _options = options;
        Start = start;
    }

    /// <summary>The first instance whose events the journal still holds.</summary>
    public long Start { get; private set; }

    /// <summary>Instances below this may go once a step gets to them.</summary>
    public long Target => _target;

    public bool IsDeleting => _deleting is not null;

    /// <summary>A mark for <paramref name="instance"/> is durable at <paramref name="position"/> of the journal.</summary>
    public void Marked(long instance, long position)
    {
        if (instance > Start)
        {
            _marks[instance] = position;
        }
    }

    /// <summary>
    /// The oldest checkpoint this node keeps covers the instances below
    /// <paramref name="oldestCheckpoint"/>: raise the target (it never goes down).
    /// </summary>
    public void Checkpointed(long oldestCheckpoint)
    {
        if (_options.KeepInstances is { } keep)
        {
            _target = _options.Bugs.HasFlag(DeliberateBugs.TruncatePastCheckpoint) ? long.MaxValue : Math.Max(_target, oldestCheckpoint - keep);
        }
    }

    /// <summary>
    /// The next step, if one is due at <paramref name="now"/>: delete every event before
    /// <c>Position</c> (the mark of <c>Instance</c>). One step at a time: the host answers with
    /// <see cref="Deleted"/> or <see cref="Failed"/>.
    /// </summary>
    public (long Instance, long Position)? Next(long now)
    {
        if (_deleting is not null || now < _notBefore)
        {
            return null;
        }

        // The farthest mark within the target and one step; if the marks lie farther apart than
        // a step, the nearest one within the target.
        (long Instance, long Position)? pick = null;
        foreach (var (instance, position) in _marks)
        {
            if (instance > _target || (pick is not null && instance > Start + _options.TruncateStepInstances))
            {
                break;
            }

            pick = (instance, position);
        }

        _deleting = pick;
        return pick;
    }

    /// <summary>The step's deletion is done: the journal begins at its mark.</summary>
    public void Deleted(long now)
    {
        if (_deleting is { } done)
        {
            Start = done.Instance;
            foreach (var instance in _marks.Keys.TakeWhile(i => i <= done.Instance).ToList())
            {
                _marks.Remove(instance);
            }
        }

        _deleting = null;
        _notBefore = now + (long)_options.TruncateInterval.TotalMilliseconds;
    }

    /// <summary>The step's deletion failed: the journal is as it was (or cut less); try again after the pause.</summary>
    public void Failed(long now)
    {
        _deleting = null;
        _notBefore = now + (long)_options.TruncateInterval.TotalMilliseconds;
    }

    /// <summary>
    /// The node installed a checkpoint: its log starts again at <paramref name="instance"/>, the
    /// marks before it mean nothing, and everything before the mark written with it may go.
    /// </summary>
    public void Installed(long instance)
    {
        foreach (var old in _marks.Keys.TakeWhile(i => i < instance).ToList())
        {
            _marks.Remove(old);
        }

        _target = Math.Max(_target, instance);
    }
}
