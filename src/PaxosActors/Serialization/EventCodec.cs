using PaxosActors.Core;

namespace PaxosActors.Serialization;

/// <summary>
/// The durable layout of acceptor events. Each event type has a manifest that names its
/// version; a reader keeps every version it ever wrote.
/// </summary>
internal static class EventCodec
{
    public const string PromisedV1 = "P1", AcceptedV1 = "A1", ChosenV1 = "C1", ChosenAcceptedV1 = "C2", SessionV1 = "S1", MarkV1 = "M1", InstalledV1 = "I1";

    public static string Manifest(AcceptorEvent e) => e switch
    {
        Promised => PromisedV1,
        Accepted => AcceptedV1,
        InstanceChosen => ChosenV1,
        ChosenAccepted => ChosenAcceptedV1,
        SessionStarted => SessionV1,
        LogMark => MarkV1,
        CheckpointInstalled => InstalledV1,
        _ => throw new ArgumentException($"No storage format for {e.GetType().Name}.", nameof(e)),
    };

    public static byte[] Encode(AcceptorEvent e)
    {
        var w = new WireWriter(64 + e switch { Accepted a => a.Value.Length, InstanceChosen c => c.Value.Length, _ => 0 });
        switch (e)
        {
            case Promised p:
                MessageCodec.Ballot(w, p.Ballot);
                break;
            case Accepted a:
                w.Int64(a.Instance);
                MessageCodec.Ballot(w, a.Ballot);
                w.Bytes(a.Value);
                break;
            case InstanceChosen c:
                w.Int64(c.Instance).Bytes(c.Value).UInt64(c.Checksum);
                break;
            case ChosenAccepted c:
                w.Int64(c.Instance);
                MessageCodec.Ballot(w, c.Ballot);
                w.UInt64(c.Checksum);
                break;
            case SessionStarted s:
                w.Int64(s.Session);
                break;
            case LogMark m:
                w.Int64(m.Instance).UInt64(m.PreviousChecksum);
                MessageCodec.Ballot(w, m.Promised);
                w.Int64(m.Session);
                break;
            case CheckpointInstalled c:
                w.Int64(c.Instance).UInt64(c.PreviousChecksum);
                break;
            default:
                throw new ArgumentException($"No storage format for {e.GetType().Name}.", nameof(e));
        }

        return w.ToArray();
    }

    public static AcceptorEvent Decode(ReadOnlySpan<byte> bytes, string manifest)
    {
        var r = new WireReader(bytes);
        AcceptorEvent e = manifest switch
        {
            PromisedV1 => new Promised(MessageCodec.Ballot(ref r)),
            AcceptedV1 => new Accepted(r.Int64(), MessageCodec.Ballot(ref r), r.Bytes()),
            ChosenV1 => new InstanceChosen(r.Int64(), r.Bytes(), r.UInt64()),
            ChosenAcceptedV1 => new ChosenAccepted(r.Int64(), MessageCodec.Ballot(ref r), r.UInt64()),
            SessionV1 => new SessionStarted(Positive(r.Int64())),
            MarkV1 => new LogMark(NotNegative(r.Int64()), r.UInt64(), MessageCodec.Ballot(ref r), NotNegative(r.Int64())),
            InstalledV1 => new CheckpointInstalled(NotNegative(r.Int64()), r.UInt64()),
            _ => throw new PaxosFormatException($"Unknown event manifest '{manifest}'."),
        };
        r.End();
        return e;
    }

    private static long NotNegative(long n) => n >= 0 ? n : throw new PaxosFormatException($"Invalid instance or session {n}.");

    private static long Positive(long n) => n > 0 ? n : throw new PaxosFormatException($"Invalid session {n}.");
}
