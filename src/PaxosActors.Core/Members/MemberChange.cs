namespace PaxosActors.Core;

/// <summary>
/// One change of a group's membership, as the log carries it: a compare-and-set on the version
/// when <see cref="ExpectedVersion"/> is set. Each applies from the instance after the one it
/// is chosen in.
/// </summary>
internal abstract record MemberChange(long? ExpectedVersion)
{
    private const byte Format = 1;

    public byte[] Encode()
    {
        var w = new WireWriter(64).Byte(Format).Int64(ExpectedVersion ?? -1);
        return (this switch
        {
            JoinAsLearner j => w.Byte(1).Int32(j.Node.Value).String(j.Address),
            Promote p => w.Byte(2).Int32(p.Node.Value),
            RemoveNode r => w.Byte(3).Int32(r.Node.Value),
            ReplaceVoter s => w.Byte(4).Int32(s.Old.Value).Int32(s.New.Value),
            _ => throw new InvalidOperationException($"Unknown change {GetType().Name}."),
        }).ToArray();
    }

    public static MemberChange Decode(ReadOnlySpan<byte> bytes)
    {
        var r = new WireReader(bytes);
        if (r.Byte() != Format)
        {
            throw new PaxosFormatException("Unknown membership change format.");
        }

        var raw = r.Int64();
        long? expected = raw < 0 ? null : raw;
        MemberChange change = r.Byte() switch
        {
            1 => new JoinAsLearner(Node(r.Int32()), r.String(), expected),
            2 => new Promote(Node(r.Int32()), expected),
            3 => new RemoveNode(Node(r.Int32()), expected),
            4 => new ReplaceVoter(Node(r.Int32()), Node(r.Int32()), expected),
            var kind => throw new PaxosFormatException($"Unknown membership change kind {kind}."),
        };
        r.End();
        return change;
    }

    private static NodeId Node(int id) => id > 0 ? new NodeId(id) : throw new PaxosFormatException($"Invalid node id {id}.");
}

/// <summary>A node joins as a learner (no vote), or a known node's address changes.</summary>
internal sealed record JoinAsLearner(NodeId Node, string Address, long? ExpectedVersion = null) : MemberChange(ExpectedVersion);

/// <summary>A learner starts to vote.</summary>
internal sealed record Promote(NodeId Node, long? ExpectedVersion = null) : MemberChange(ExpectedVersion);

/// <summary>A node leaves the group.</summary>
internal sealed record RemoveNode(NodeId Node, long? ExpectedVersion = null) : MemberChange(ExpectedVersion);

/// <summary>A voter leaves and a learner takes its vote, in one step: the group's size never changes.</summary>
internal sealed record ReplaceVoter(NodeId Old, NodeId New, long? ExpectedVersion = null) : MemberChange(ExpectedVersion);
