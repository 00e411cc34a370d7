namespace PaxosActors.Core;

/// <summary>
/// When a node takes a checkpoint, and which checkpoint it may start from. A checkpoint is
/// taken between instances, once every <see cref="ProtocolOptions.CheckpointEvery"/> executed
/// instances, one at a time. At start-up the newest checkpoint that fits the recovered chosen
/// log wins: it must be of this group, must not lie past the log's end (its instances' chosen
/// records were not all durable yet when the node stopped), and must carry the log's checksum
/// at its instance (else it is of another history).
/// </summary>
internal sealed class CheckpointSchedule(long every, long lastTaken)
{
    private bool _taking;

    /// <summary>The instance the newest finished checkpoint covers (everything below it ran).</summary>
    public long LastTaken { get; private set; } = lastTaken;

    /// <summary>Whether to take one now, with everything below <paramref name="executed"/> run.</summary>
    public bool Due(long executed) => every > 0 && !_taking && executed - LastTaken >= every;

    public void Started() => _taking = true;

    /// <summary>The checkpoint at <paramref name="instance"/> is published, or failed (null).</summary>
    public void Finished(long? instance)
    {
        _taking = false;
        if (instance is { } i && i > LastTaken)
        {
            LastTaken = i;
        }
    }

    /// <summary>
    /// Which checkpoints a node keeps, given the instances of those it has, how many to
    /// <paramref name="keep"/>, and <paramref name="durable"/>: how far its acceptor's chosen log
    /// is known to be durable. A checkpoint at or below it is <em>anchored</em>: a restart finds
    /// the journal reaching it, so it fits. Checkpoints past it (taken while the chosen records
    /// were still being written, or fetched while the acceptor's jump to them was) may not fit
    /// after a crash. So the newest <paramref name="keep"/> stay and so does the newest anchored
    /// one, and the journal may be cut only behind the oldest that stays once one is anchored:
    /// whatever the crash, one checkpoint the journal reaches is left. Those a peer is fetching
    /// (<paramref name="serving"/>, see <see cref="CheckpointPins"/>) stay too.
    /// </summary>
    public static CheckpointRetention Retain(IEnumerable<long> instances, int keep, long durable, IReadOnlyCollection<long>? serving = null)
    {
        var newestFirst = instances.Distinct().OrderDescending().ToList();
        var kept = newestFirst.Take(keep).ToHashSet();
        kept.UnionWith(newestFirst.Where(i => serving?.Contains(i) == true));
        var anchored = newestFirst.FirstOrDefault(i => i <= durable, -1);
        if (anchored >= 0)
        {
            kept.Add(anchored);
        }

        return new CheckpointRetention(
            newestFirst.Where(i => !kept.Contains(i)).ToList(),
            anchored >= 0 ? kept.Min() : null);
    }

    /// <summary>
    /// Why <paramref name="header"/> cannot start group <paramref name="group"/> whose recovered
    /// chosen log holds [<paramref name="logStart"/>, <paramref name="logNext"/>), or null if it
    /// can. <paramref name="checksumAt"/> gives the log's checksum at an instance in it, or at
    /// <paramref name="logStart"/> - 1.
    /// </summary>
    public static string? Misfit(CheckpointHeader header, string group, long logStart, long logNext, Func<long, ulong> checksumAt)
    {
        if (header.Group != group)
        {
            return $"it is of group '{header.Group}'";
        }

        if (header.Instance < logStart)
        {
            return $"it covers instances below {header.Instance} and the journal begins at {logStart}: the instances in between are gone";
        }

        if (header.Instance > logNext)
        {
            return $"it covers instance {header.Instance - 1} and the chosen log ends before {logNext}";
        }

        if (header.Instance > 0 && checksumAt(header.Instance - 1) != header.Checksum)
        {
            return $"its checksum at instance {header.Instance - 1} ({header.Checksum:x16}) is not the log's ({checksumAt(header.Instance - 1):x16})";
        }

        return null;
    }
}

/// <summary>
/// The checkpoints to <see cref="Delete"/>, and the instance the journal may be cut behind
/// (<see cref="TruncateBehind"/>: the oldest checkpoint kept), or null while none is anchored.
/// </summary>
internal sealed record CheckpointRetention(IReadOnlyList<long> Delete, long? TruncateBehind);
