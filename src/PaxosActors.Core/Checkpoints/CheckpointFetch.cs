using System.IO.Hashing;

namespace PaxosActors.Core;

/// <summary>
/// Fetches a peer's checkpoint for a node that lags behind every instance the peer's journal
/// still holds (PhxPaxos's checkpoint receiver, with the checks it lacks). The chunks come in
/// order of offset; each is checked against its own checksum before it is written, and the
/// whole file against the offer's before it is installed. At most
/// <see cref="ProtocolOptions.TransferWindow"/> chunks are asked for and not yet written, which
/// bounds memory and paces the sender. A source that goes quiet for a tick is replaced by
/// another that offered the same file, from the first byte not yet written; after
/// <see cref="IdleTicks"/> quiet ticks the fetch is given up, and the next offer starts anew.
/// Nothing here touches the state machines: the host loads the file only when it is whole
/// and verified (<see cref="InstallCheckpoint"/>).
/// </summary>
internal sealed class CheckpointFetch(NodeId self, ProtocolOptions options)
{
    /// <summary>Ticks without a byte of progress before the fetch is given up.</summary>
    public const int IdleTicks = 5;

    private readonly List<NodeId> _sources = [];
    private readonly SortedDictionary<long, byte[]> _early = [];
    private int _source;
    private long _askedUntil;
    private long _writtenAtTick;
    private int _idle;
    private PartialFetch? _partial;

    /// <summary>The checkpoint being fetched, or null.</summary>
    public CheckpointOffer? Offer { get; private set; }

    /// <summary>Bytes of it checked and handed to the host to write, from the start.</summary>
    public long Written { get; private set; }

    /// <summary>The peer the chunks are asked from now, or <see cref="NodeId.None"/> when not fetching.</summary>
    public NodeId Source => Offer is null || _sources.Count == 0 ? NodeId.None : _sources[_source];

    private long ChunkBytes => options.TransferChunkBytes;

    /// <summary>
    /// What a previous life of this node left of a fetch: the first <see cref="PartialFetch.Have"/>
    /// bytes of the checkpoint file it names. The next offer of that same file (instance, length
    /// and file checksum) goes on from there, from the last whole chunk; any other offer starts
    /// anew. Nothing in those bytes is trusted: the whole file is checked at the end, and a bad one
    /// is fetched again from the start (<see cref="Broken"/>).
    /// </summary>
    public void Partial(PartialFetch? partial) => _partial = partial is { Have: > 0 } p && p.Have < p.Length ? p : null;

    /// <summary>
    /// A peer offered a checkpoint; <paramref name="learnerNext"/> is the first instance this
    /// node has not learned. A newer checkpoint than the one being fetched replaces it.
    /// </summary>
    public IReadOnlyList<Effect> Offered(CheckpointOffer o, long learnerNext)
    {
        if (o.Instance <= learnerNext || o.Length <= 0 || o.From == self)
        {
            return [];
        }

        if (Offer is { } current && current.Instance == o.Instance && current.FileChecksum == o.FileChecksum && current.Length == o.Length)
        {
            if (!_sources.Contains(o.From))
            {
                _sources.Add(o.From);
            }

            return [];
        }

        if (Offer is { } fetching && o.Instance <= fetching.Instance)
        {
            return [];
        }

        options.Breakpoints.Count("transfer.started");
        Offer = o;
        _sources.Clear();
        _sources.Add(o.From);
        _source = 0;
        var from = 0L;
        if (_partial is { } p && p.Instance == o.Instance && p.Length == o.Length && p.FileChecksum == o.FileChecksum)
        {
            options.Breakpoints.Count("transfer.resumed_from_disk");
            from = p.Have / ChunkBytes * ChunkBytes;
        }

        _partial = null;
        return Restart(from);
    }

    /// <summary>A chunk arrived.</summary>
    public IReadOnlyList<Effect> Received(CheckpointChunk c)
    {
        if (Offer is not { } o || c.Instance != o.Instance || c.FileChecksum != o.FileChecksum || !_sources.Contains(c.From))
        {
            return [];
        }

        var effects = new List<Effect>();
        if (c.Data.Length == 0)
        {
            // The source has let the file go (a newer checkpoint replaced it).
            options.Breakpoints.Count("transfer.source_lost_file");
            _sources.Remove(c.From);
            if (_sources.Count == 0)
            {
                GiveUp();
                return [];
            }

            _source %= _sources.Count;
            Resume(effects);
            return effects;
        }

        if (c.Offset < Written || c.Offset >= _askedUntil || c.Offset % ChunkBytes != 0 || _early.ContainsKey(c.Offset))
        {
            return [];
        }

        if (c.Data.Length != Math.Min(ChunkBytes, o.Length - c.Offset) || XxHash64.HashToUInt64(c.Data) != c.DataChecksum)
        {
            // Damaged on the way (or a lying sender): ask for it again, from the next source.
            options.Breakpoints.Count("transfer.chunk_corrupt");
            _source = (_source + 1) % _sources.Count;
            effects.Add(new Send(_sources[_source], new ChunkRequest(o.Instance, self, o.FileChecksum, c.Offset, options.TransferChunkBytes)));
            return effects;
        }

        _early[c.Offset] = c.Data;
        while (_early.Remove(Written, out var next))
        {
            effects.Add(new WriteChunk(Written, next));
            Written += next.Length;
        }

        if (Written == o.Length)
        {
            options.Breakpoints.Count("transfer.received");
            effects.Add(new InstallCheckpoint(o));
            return effects;
        }

        Ask(effects);
        return effects;
    }

    /// <summary>The periodic tick: a quiet source is replaced, a fetch quiet for long is given up.</summary>
    public IReadOnlyList<Effect> OnTick()
    {
        if (Offer is null)
        {
            return [];
        }

        if (Written > _writtenAtTick)
        {
            _writtenAtTick = Written;
            _idle = 0;
            return [];
        }

        if (++_idle >= IdleTicks)
        {
            options.Breakpoints.Count("transfer.abandoned");
            GiveUp();
            return [];
        }

        options.Breakpoints.Count("transfer.resumed");
        _source = (_source + 1) % _sources.Count;
        var effects = new List<Effect>();
        Resume(effects);
        return effects;
    }

    /// <summary>The host installed the file (or found the node had caught up meanwhile): done.</summary>
    public void Finished() => GiveUp();

    /// <summary>The whole file failed its check: fetch it again from the start, from the next source.</summary>
    public IReadOnlyList<Effect> Broken()
    {
        if (Offer is null)
        {
            return [];
        }

        options.Breakpoints.Count("transfer.file_corrupt");
        _source = (_source + 1) % _sources.Count;
        return Restart(0);
    }

    /// <summary>Starts the fetch of <see cref="Offer"/> with its first <paramref name="from"/> bytes already written.</summary>
    private List<Effect> Restart(long from)
    {
        Written = from;
        _writtenAtTick = from;
        _idle = 0;
        var effects = new List<Effect> { new BeginFetch(Offer!, from) };
        Resume(effects);
        return effects;
    }

    /// <summary>Asks again for everything from the first byte not yet written.</summary>
    private void Resume(List<Effect> effects)
    {
        _early.Clear();
        _askedUntil = Written;
        Ask(effects);
    }

    private void Ask(List<Effect> effects)
    {
        var o = Offer!;
        while (_askedUntil < o.Length && _askedUntil - Written < ChunkBytes * options.TransferWindow)
        {
            effects.Add(new Send(_sources[_source], new ChunkRequest(o.Instance, self, o.FileChecksum, _askedUntil, options.TransferChunkBytes)));
            _askedUntil += ChunkBytes;
        }
    }

    /// <summary>
    /// The sender's answer to <paramref name="request"/>, with <paramref name="data"/> read from
    /// the file it names; <paramref name="data"/> is empty if it no longer has that file.
    /// </summary>
    public static CheckpointChunk Chunk(NodeId self, ChunkRequest request, byte[] data) =>
        new(request.Instance, self, request.FileChecksum, request.Offset, data, XxHash64.HashToUInt64(data));

    private void GiveUp()
    {
        Offer = null;
        _sources.Clear();
        _early.Clear();
        Written = 0;
        _askedUntil = 0;
        _writtenAtTick = 0;
        _idle = 0;
    }
}

/// <summary>The first <paramref name="Have"/> bytes of the checkpoint file of <paramref name="Instance"/> with this length and file checksum, left on disk by an interrupted fetch.</summary>
internal sealed record PartialFetch(long Instance, long Length, ulong FileChecksum, long Have);
