namespace PaxosActors.Core;

/// <summary>
/// A group's master as its log says: the node holding the lease (<see cref="NodeId.None"/>:
/// none), the lease's length, and the version: one more than the instance of the bid that last
/// changed it, so it only grows and serves as a fencing token. Deterministic and immutable:
/// every node applies the same bids in the same order and gets the same state.
/// </summary>
internal sealed record MasterState(NodeId Master, long Version, long LeaseMs)
{
    private const byte Format = 1;

    /// <summary>No master yet, version 0.</summary>
    public static readonly MasterState Initial = new(NodeId.None, 0, 0);

    /// <summary>The state after the bid chosen at <paramref name="instance"/>, or null when the bid's expected version is stale.</summary>
    public MasterState? Apply(long instance, MasterCommand bid) =>
        bid.ExpectedVersion == Version && instance + 1 > Version ? new MasterState(bid.Node, instance + 1, bid.Node == NodeId.None ? 0 : bid.LeaseMs) : null;

    public byte[] Encode() => new WireWriter(24).Byte(Format).Int32(Master.Value).Int64(Version).Int64(LeaseMs).ToArray();

    public static MasterState Decode(ReadOnlySpan<byte> bytes)
    {
        var r = new WireReader(bytes);
        if (r.Byte() != Format)
        {
            throw new PaxosFormatException("Unknown master state format.");
        }

        var state = new MasterState(new NodeId(r.Int32()), r.Int64(), r.Int64());
        r.End();
        if (state.Master.Value < 0 || state.Version < 0 || state.LeaseMs < 0)
        {
            throw new PaxosFormatException($"Invalid master state {state}.");
        }

        return state;
    }
}
