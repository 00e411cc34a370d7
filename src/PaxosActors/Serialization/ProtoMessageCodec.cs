using Google.Protobuf;
using PaxosActors.Core;
using PaxosActors.Messages;
using W = PaxosActors.Serialization.Wire;

namespace PaxosActors.Serialization;

/// <summary>
/// <see cref="PaxosEnvelope"/> in the Protocol Buffers format (version 2, <c>Protos/wire.proto</c>).
/// Fields this node does not know are skipped; a message kind it does not know, or numbers out
/// of range, raise <see cref="PaxosFormatException"/> (the same checks as version 1).
/// </summary>
internal static class ProtoMessageCodec
{
    public static byte[] Encode(PaxosEnvelope envelope)
    {
        var m = envelope.Message;
        var e = new W.Envelope { ClusterId = envelope.ClusterId, Group = envelope.Group, Instance = m.Instance, From = m.From.Value };
        switch (m)
        {
            case Prepare p:
                e.Prepare = new W.Prepare { Ballot = Ballot(p.Ballot) };
                break;
            case PrepareReply r:
                e.PrepareReply = new W.PrepareReply { Ballot = Ballot(r.Ballot), Ok = r.Ok, Promised = Ballot(r.Promised), AcceptedBallot = Ballot(r.AcceptedBallot) };
                if (r.AcceptedValue is { } accepted)
                {
                    e.PrepareReply.AcceptedValue = UnsafeByteOperations.UnsafeWrap(accepted);
                }

                break;
            case Accept a:
                e.Accept = new W.Accept { Ballot = Ballot(a.Ballot), Value = UnsafeByteOperations.UnsafeWrap(a.Value), PreviousChecksum = a.PreviousChecksum };
                if (!a.ChosenBallot.IsZero)
                {
                    e.Accept.ChosenBallot = Ballot(a.ChosenBallot);
                }

                break;
            case AcceptReply r:
                e.AcceptReply = new W.AcceptReply { Ballot = Ballot(r.Ballot), Ok = r.Ok, Promised = Ballot(r.Promised) };
                break;
            case ValueChosen v:
                e.ValueChosen = new W.ValueChosen { Value = UnsafeByteOperations.UnsafeWrap(v.Value), Checksum = v.Checksum };
                break;
            case AskForLearn:
                e.AskForLearn = new W.AskForLearn();
                break;
            case LearnOffer:
                e.LearnOffer = new W.LearnOffer();
                break;
            case CheckpointOffer o:
                e.CheckpointOffer = new W.CheckpointOffer { Length = o.Length, FileChecksum = o.FileChecksum };
                break;
            case ChunkRequest q:
                e.ChunkRequest = new W.ChunkRequest { FileChecksum = q.FileChecksum, Offset = q.Offset, Bytes = q.Bytes };
                break;
            case CheckpointChunk c:
                e.CheckpointChunk = new W.CheckpointChunk { FileChecksum = c.FileChecksum, Offset = c.Offset, Data = UnsafeByteOperations.UnsafeWrap(c.Data), DataChecksum = c.DataChecksum };
                break;
            case ReadIndexRequest q:
                e.ReadIndexRequest = new W.ReadIndexRequest { Round = q.Round };
                break;
            case ReadIndexReply r:
                e.ReadIndexReply = new W.ReadIndexReply { Round = r.Round };
                break;
            default:
                throw new ArgumentException($"No wire format for {m.GetType().Name}.", nameof(envelope));
        }

        return e.ToByteArray();
    }

    public static PaxosEnvelope Decode(byte[] bytes)
    {
        var e = Parse(W.Envelope.Parser, bytes);
        var instance = e.Instance;
        var from = new NodeId(e.From);
        if (instance < 0 || from.Value <= 0)
        {
            throw new PaxosFormatException($"Invalid instance {instance} or sender {from.Value}.");
        }

        PaxosMessage message = e.MessageCase switch
        {
            W.Envelope.MessageOneofCase.Prepare => new Prepare(instance, from, Ballot(e.Prepare.Ballot)),
            W.Envelope.MessageOneofCase.PrepareReply => new PrepareReply(
                instance, from, Ballot(e.PrepareReply.Ballot), e.PrepareReply.Ok, Ballot(e.PrepareReply.Promised), Ballot(e.PrepareReply.AcceptedBallot), e.PrepareReply.HasAcceptedValue ? e.PrepareReply.AcceptedValue.ToByteArray() : null),
            W.Envelope.MessageOneofCase.Accept => new Accept(instance, from, Ballot(e.Accept.Ballot), e.Accept.Value.ToByteArray(), e.Accept.PreviousChecksum) { ChosenBallot = Ballot(e.Accept.ChosenBallot) },
            W.Envelope.MessageOneofCase.AcceptReply => new AcceptReply(instance, from, Ballot(e.AcceptReply.Ballot), e.AcceptReply.Ok, Ballot(e.AcceptReply.Promised)),
            W.Envelope.MessageOneofCase.ValueChosen => new ValueChosen(instance, from, e.ValueChosen.Value.ToByteArray(), e.ValueChosen.Checksum),
            W.Envelope.MessageOneofCase.AskForLearn => new AskForLearn(instance, from),
            W.Envelope.MessageOneofCase.LearnOffer => new LearnOffer(instance, from),
            W.Envelope.MessageOneofCase.CheckpointOffer => new CheckpointOffer(instance, from, MessageCodec.NotNegative(e.CheckpointOffer.Length), e.CheckpointOffer.FileChecksum),
            W.Envelope.MessageOneofCase.ChunkRequest => new ChunkRequest(instance, from, e.ChunkRequest.FileChecksum, MessageCodec.NotNegative(e.ChunkRequest.Offset), MessageCodec.ChunkBytes(e.ChunkRequest.Bytes)),
            W.Envelope.MessageOneofCase.CheckpointChunk => new CheckpointChunk(
                instance, from, e.CheckpointChunk.FileChecksum, MessageCodec.NotNegative(e.CheckpointChunk.Offset), e.CheckpointChunk.Data.ToByteArray(), e.CheckpointChunk.DataChecksum),
            W.Envelope.MessageOneofCase.ReadIndexRequest => new ReadIndexRequest(instance, from, MessageCodec.NotNegative(e.ReadIndexRequest.Round)),
            W.Envelope.MessageOneofCase.ReadIndexReply => new ReadIndexReply(instance, from, MessageCodec.NotNegative(e.ReadIndexReply.Round)),
            _ => throw new PaxosFormatException("An envelope with no Paxos message this node knows (a newer node's, or none)."),
        };
        return new PaxosEnvelope(e.Group, message) { ClusterId = e.ClusterId };
    }

    /// <summary>Parses protobuf bytes; bytes that are not a well-formed message raise <see cref="PaxosFormatException"/>.</summary>
    internal static T Parse<T>(MessageParser<T> parser, byte[] bytes)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new PaxosFormatException($"Not a well-formed {typeof(T).Name}: {e.Message}");
        }
    }

    private static W.Ballot Ballot(Ballot b) => new() { ProposalId = b.ProposalId, Node = b.Node.Value };

    private static Ballot Ballot(W.Ballot? b) => b is null ? Core.Ballot.Zero : MessageCodec.Checked(new Ballot(b.ProposalId, new NodeId(b.Node)));
}
