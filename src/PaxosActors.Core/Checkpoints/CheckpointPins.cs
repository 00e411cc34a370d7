namespace PaxosActors.Core;

/// <summary>
/// The checkpoints a node serves to fetching peers stay while they are being fetched: a
/// checkpoint served within <c>hold</c> is not pruned, even when newer ones have replaced it.
/// Without that, a node that takes checkpoints faster than a peer can fetch one would delete
/// each file mid-transfer, and the peer, told the file is gone, would start over forever.
/// Time is an input (milliseconds on any clock that only goes forward).
/// </summary>
internal sealed class CheckpointPins(TimeSpan hold)
{
    private readonly Dictionary<long, long> _servedAt = [];

    /// <summary>A chunk of the checkpoint at <paramref name="instance"/> was served at <paramref name="now"/>.</summary>
    public void Served(long instance, long now) => _servedAt[instance] = now;

    /// <summary>The checkpoints served within the hold before <paramref name="now"/>; older pins are forgotten.</summary>
    public IReadOnlyCollection<long> Pinned(long now)
    {
        foreach (var (instance, at) in _servedAt.Where(p => now - p.Value > hold.TotalMilliseconds).ToList())
        {
            _servedAt.Remove(instance);
        }

        return _servedAt.Keys;
    }
}
