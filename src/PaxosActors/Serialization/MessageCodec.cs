using PaxosActors.Core;
using PaxosActors.Messages;

namespace PaxosActors.Serialization;

/// <summary>
/// The binary layout of <see cref="PaxosEnvelope"/> (version 1): cluster id, group, message tag, instance,
/// sender, then the fields of the message. Tags never change meaning; new messages get new tags.
/// An Accept's chosen ballot has no place in it (a node writing version 1 does not stamp one:
/// <c>proposer.chosen-with-next-accept</c> is off with it).
/// </summary>
internal static class MessageCodec
{
    private const byte PrepareTag = 1, PrepareReplyTag = 2, AcceptTag = 3, AcceptReplyTag = 4, ValueChosenTag = 5, AskForLearnTag = 6, LearnOfferTag = 7, CheckpointOfferTag = 8, ChunkRequestTag = 9, CheckpointChunkTag = 10, ReadIndexRequestTag = 11, ReadIndexReplyTag = 12;

    public static byte[] Encode(PaxosEnvelope envelope)
    {
        var value = envelope.Message switch
        {
            Accept a => a.Value.Length,
            ValueChosen v => v.Value.Length,
            CheckpointChunk c => c.Data.Length,
            PrepareReply r => r.AcceptedValue?.Length ?? 0,
            _ => 0,
        };
        var w = new WireWriter(128 + value + (3 * (envelope.ClusterId.Length + envelope.Group.Length))).String(envelope.ClusterId).String(envelope.Group);
        var m = envelope.Message;
        switch (m)
        {
            case Prepare p:
                Head(w, PrepareTag, m);
                Ballot(w, p.Ballot);
                break;
            case PrepareReply r:
                Head(w, PrepareReplyTag, m);
                Ballot(w, r.Ballot);
                w.Bool(r.Ok);
                Ballot(w, r.Promised);
                Ballot(w, r.AcceptedBallot);
                w.NullableBytes(r.AcceptedValue);
                break;
            case Accept a:
                Head(w, AcceptTag, m);
                Ballot(w, a.Ballot);
                w.Bytes(a.Value).UInt64(a.PreviousChecksum);
                break;
            case AcceptReply r:
                Head(w, AcceptReplyTag, m);
                Ballot(w, r.Ballot);
                w.Bool(r.Ok);
                Ballot(w, r.Promised);
                break;
            case ValueChosen v:
                Head(w, ValueChosenTag, m);
                w.Bytes(v.Value).UInt64(v.Checksum);
                break;
            case AskForLearn:
                Head(w, AskForLearnTag, m);
                break;
            case LearnOffer:
                Head(w, LearnOfferTag, m);
                break;
            case CheckpointOffer o:
                Head(w, CheckpointOfferTag, m);
                w.Int64(o.Length).UInt64(o.FileChecksum);
                break;
            case ReadIndexRequest q:
                Head(w, ReadIndexRequestTag, m);
                w.Int64(q.Round);
                break;
            case ReadIndexReply q:
                Head(w, ReadIndexReplyTag, m);
                w.Int64(q.Round);
                break;
            case ChunkRequest q:
                Head(w, ChunkRequestTag, m);
                w.UInt64(q.FileChecksum).Int64(q.Offset).Int32(q.Bytes);
                break;
            case CheckpointChunk c:
                Head(w, CheckpointChunkTag, m);
                w.UInt64(c.FileChecksum).Int64(c.Offset).Bytes(c.Data).UInt64(c.DataChecksum);
                break;
            default:
                throw new ArgumentException($"No wire format for {m.GetType().Name}.", nameof(envelope));
        }

        return w.ToArray();
    }

    public static PaxosEnvelope Decode(ReadOnlySpan<byte> bytes)
    {
        var r = new WireReader(bytes);
        var cluster = r.String();
        var group = r.String();
        var tag = r.Byte();
        // Ranges are checked here, so that no number from the network reaches the protocol
        // unchecked: instances are never negative, a sender is a real node, a ballot is
        // either zero or a positive proposal id of a real node.
        var instance = r.Int64();
        var from = new NodeId(r.Int32());
        if (instance < 0 || from.Value <= 0)
        {
            throw new PaxosFormatException($"Invalid instance {instance} or sender {from.Value}.");
        }

        PaxosMessage message = tag switch
        {
            PrepareTag => new Prepare(instance, from, Ballot(ref r)),
            PrepareReplyTag => new PrepareReply(instance, from, Ballot(ref r), r.Bool(), Ballot(ref r), Ballot(ref r), r.NullableBytes()),
            AcceptTag => new Accept(instance, from, Ballot(ref r), r.Bytes(), r.UInt64()),
            AcceptReplyTag => new AcceptReply(instance, from, Ballot(ref r), r.Bool(), Ballot(ref r)),
            ValueChosenTag => new ValueChosen(instance, from, r.Bytes(), r.UInt64()),
            AskForLearnTag => new AskForLearn(instance, from),
            LearnOfferTag => new LearnOffer(instance, from),
            CheckpointOfferTag => new CheckpointOffer(instance, from, NotNegative(r.Int64()), r.UInt64()),
            ChunkRequestTag => new ChunkRequest(instance, from, r.UInt64(), NotNegative(r.Int64()), ChunkBytes(r.Int32())),
            CheckpointChunkTag => new CheckpointChunk(instance, from, r.UInt64(), NotNegative(r.Int64()), r.Bytes(), r.UInt64()),
            ReadIndexRequestTag => new ReadIndexRequest(instance, from, NotNegative(r.Int64())),
            ReadIndexReplyTag => new ReadIndexReply(instance, from, NotNegative(r.Int64())),
            _ => throw new PaxosFormatException($"Unknown message tag {tag}."),
        };
        r.End();
        return new PaxosEnvelope(group, message) { ClusterId = cluster };
    }

    internal static void Ballot(WireWriter w, Ballot b) => w.Int64(b.ProposalId).Int32(b.Node.Value);

    internal static Ballot Ballot(ref WireReader r) => Checked(new Ballot(r.Int64(), new NodeId(r.Int32())));

    /// <summary>A ballot from the network: zero, or a positive proposal id of a real node.</summary>
    internal static Ballot Checked(Ballot ballot) => ballot.IsZero || (ballot.ProposalId > 0 && ballot.Node.Value > 0)
        ? ballot
        : throw new PaxosFormatException($"Invalid ballot {ballot}.");

    internal static int ChunkBytes(int n) => n is > 0 and <= ChunkRequest.MaxBytes ? n : throw new PaxosFormatException($"A chunk of {n} bytes asked for.");

    internal static long NotNegative(long n) => n >= 0 ? n : throw new PaxosFormatException($"Invalid length or offset {n}.");

    private static void Head(WireWriter w, byte tag, PaxosMessage m) => w.Byte(tag).Int64(m.Instance).Int32(m.From.Value);
}
