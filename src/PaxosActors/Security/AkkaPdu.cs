using System.Text;
using System.Text.Unicode;
using Akka.Actor;

namespace PaxosActors.Security;

/// <summary>
/// Reads, from one Akka.Remote frame (an <c>AkkaProtocolMessage</c> in protobuf), the addresses it
/// claims to come from: the origin of a handshake, and the sender path of a message. Repeated
/// fields are read as protobuf merges them (the last value wins), and a string that is not
/// UTF-8 is refused as protobuf refuses it, so the reader sees what Akka.Remote will see. A
/// frame it cannot read is reported as malformed.
/// </summary>
internal static class AkkaPdu
{
    private const int Varint = 0, Fixed64 = 1, Length = 2, Fixed32 = 5;

    /// <summary>What a frame claims: where its sender's actor path lies in it (length 0: no sender), and a handshake origin.</summary>
    internal readonly record struct Claims(Range SenderPath, Address? Origin);

    public static bool TryRead(ReadOnlySpan<byte> frame, out Claims claims)
    {
        claims = default;
        Range payload = default;
        var origin = new OriginFields();
        // AkkaProtocolMessage { bytes payload = 1; AkkaControlMessage instruction = 2 }
        var at = 0;
        while (at < frame.Length)
        {
            if (!Field(frame, frame.Length, ref at, out var f))
            {
                return false;
            }

            if (f.Is(1, Length))
            {
                payload = f.Value;
            }
            else if (f.Is(2, Length) && !Control(frame, f.Value, ref origin))
            {
                return false;
            }
        }

        // AckAndEnvelopeContainer { envelope = 2 } → RemoteEnvelope { sender = 4 } → ActorRefData { path = 1 }
        Range sender = default;
        foreach (var envelope in Each(frame, payload, 2))
        {
            foreach (var actorRef in Each(frame, envelope, 4))
            {
                foreach (var path in Each(frame, actorRef, 1))
                {
                    // Protobuf refuses a string that is not UTF-8 (Google.Protobuf 3.28 on), and
                    // with it the whole frame: so does this reader.
                    if (!Utf8.IsValid(frame[path]))
                    {
                        return false;
                    }

                    sender = path;
                }
            }
        }

        if (!Readable(frame, payload, 2, 4, 1))
        {
            return false;
        }

        claims = new Claims(sender, origin.Seen ? origin.ToAddress() : null);
        return true;
    }

    /// <summary>"akka.tcp://sys@host:port" of "akka.tcp://sys@host:port/user/x".</summary>
    public static ReadOnlySpan<byte> AddressPart(ReadOnlySpan<byte> path)
    {
        var scheme = path.IndexOf("://"u8);
        var slash = scheme < 0 ? -1 : path[(scheme + 3)..].IndexOf((byte)'/');
        return slash < 0 ? path : path[..(scheme + 3 + slash)];
    }

    // AkkaControlMessage { handshakeInfo = 2 } → AkkaHandshakeInfo { origin = 1 } → AddressData.
    private static bool Control(ReadOnlySpan<byte> frame, Range control, ref OriginFields origin)
    {
        if (!Readable(frame, control, 2, 1))
        {
            return false;
        }

        foreach (var handshake in Each(frame, control, 2))
        {
            foreach (var address in Each(frame, handshake, 1))
            {
                if (!origin.Read(frame, address))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Every length-delimited field <paramref name="number"/> of the message in <paramref name="message"/>, in order (unreadable parts end it: see <see cref="Readable"/>).</summary>
    private static List<Range> Each(ReadOnlySpan<byte> frame, Range message, int number)
    {
        var found = new List<Range>(1);
        var (at, end) = Bounds(message, frame.Length);
        while (at < end && Field(frame, end, ref at, out var f))
        {
            if (f.Is(number, Length))
            {
                found.Add(f.Value);
            }
        }

        return found;
    }

    /// <summary>Whether the message, and the nested messages along the path of field numbers, all read to their ends.</summary>
    private static bool Readable(ReadOnlySpan<byte> frame, Range message, params int[] path)
    {
        var (at, end) = Bounds(message, frame.Length);
        while (at < end)
        {
            if (!Field(frame, end, ref at, out var f))
            {
                return false;
            }

            if (path.Length > 1 && f.Is(path[0], Length) && !Readable(frame, f.Value, path[1..]))
            {
                return false;
            }
        }

        return true;
    }

    private static (int At, int End) Bounds(Range r, int length)
    {
        var (offset, count) = r.GetOffsetAndLength(length);
        return (offset, offset + count);
    }

    private struct OriginFields
    {
        public bool Seen;
        public string? System, Host, Protocol;
        public uint Port;

        // AddressData { system = 1; hostname = 2; port = 3 (uint32); protocol = 4 }
        public bool Read(ReadOnlySpan<byte> frame, Range message)
        {
            Seen = true;
            var (at, end) = Bounds(message, frame.Length);
            while (at < end)
            {
                if (!Field(frame, end, ref at, out var f))
                {
                    return false;
                }

                if (f.Type == Length && f.Number is 1 or 2 or 4 && !Utf8.IsValid(frame[f.Value]))
                {
                    return false;
                }

                var text = f.Type == Length ? Encoding.UTF8.GetString(frame[f.Value]) : null;
                switch (f.Number, f.Type)
                {
                    case (1, Length): System = text; break;
                    case (2, Length): Host = text; break;
                    case (4, Length): Protocol = text; break;
                    case (3, Varint): Port = (uint)f.Varint; break; // truncated to 32 bits, as protobuf does
                }
            }

            return true;
        }

        public readonly Address ToAddress() => new(Protocol ?? string.Empty, System ?? string.Empty, Host, (int)Port);
    }

    private readonly record struct FieldAt(int Number, int Type, Range Value, ulong Varint)
    {
        public bool Is(int number, int type) => Number == number && Type == type;
    }

    private static bool Field(ReadOnlySpan<byte> m, int end, ref int at, out FieldAt field)
    {
        field = default;
        if (!VarintAt(m, end, ref at, out var tag) || tag >> 3 is 0 or > int.MaxValue)
        {
            return false;
        }

        var number = (int)(tag >> 3);
        var type = (int)(tag & 7);
        switch (type)
        {
            case Varint:
                if (!VarintAt(m, end, ref at, out var v))
                {
                    return false;
                }

                field = new FieldAt(number, type, default, v);
                return true;
            case Fixed64 or Fixed32:
                var size = type == Fixed64 ? 8 : 4;
                if (end - at < size)
                {
                    return false;
                }

                at += size;
                field = new FieldAt(number, type, default, 0);
                return true;
            case Length:
                if (!VarintAt(m, end, ref at, out var length) || length > (ulong)(end - at))
                {
                    return false;
                }

                field = new FieldAt(number, type, at..(at + (int)length), 0);
                at += (int)length;
                return true;
            default:
                return false;
        }
    }

    private static bool VarintAt(ReadOnlySpan<byte> m, int end, ref int at, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (at >= end)
            {
                return false;
            }

            var b = m[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }
}
