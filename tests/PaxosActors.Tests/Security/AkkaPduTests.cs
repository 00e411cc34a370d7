using System.Text;
using Akka.Actor;
using CsCheck;
using Google.Protobuf;
using PaxosActors.Security;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Security;

/// <summary>
/// The reader of Akka.Remote frames that the identity transport trusts: it finds the handshake
/// origin and the sender path where Akka.Remote's protobuf decoder finds them, repeated fields
/// included (the last wins, nested messages merge), and refuses what it cannot read.
/// </summary>
public sealed class AkkaPduTests(ITestOutputHelper output)
{
    private const string Node1 = "akka.ssl.tcp://paxos@127.0.0.1:9001";
    private static readonly long Iterations = long.TryParse(Environment.GetEnvironmentVariable("PAXOS_FUZZ_ITERATIONS"), out var n) ? n : 1_000_000;

    // AkkaProtocolMessage { payload = 1; instruction = 2 }; AkkaControlMessage { commandType = 1; handshakeInfo = 2 };
    // AkkaHandshakeInfo { origin = 1; uid = 2 }; AddressData { system = 1; hostname = 2; port = 3; protocol = 4 };
    // AckAndEnvelopeContainer { ack = 1; envelope = 2 }; RemoteEnvelope { recipient = 1; message = 2; sender = 4; seq = 5 };
    // ActorRefData { path = 1 }.
    private static byte[] Message(Action<CodedOutputStream> fields)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        fields(output);
        output.Flush();
        return buffer.ToArray();
    }

    private static void Bytes(CodedOutputStream o, int field, byte[] value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(value));
    }

    private static void Text(CodedOutputStream o, int field, string value) => Bytes(o, field, Encoding.UTF8.GetBytes(value));

    private static byte[] AddressData(string system, string host, uint port, string protocol) => Message(o =>
    {
        Text(o, 1, system);
        Text(o, 2, host);
        o.WriteTag(3, WireFormat.WireType.Varint);
        o.WriteUInt32(port);
        Text(o, 4, protocol);
    });

    private static byte[] Handshake(byte[] addressData) => Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.Varint);
        o.WriteInt32(1);
        Bytes(o, 2, Message(h =>
        {
            Bytes(h, 1, addressData);
            h.WriteTag(2, WireFormat.WireType.Fixed64);
            h.WriteFixed64(42);
        }));
    });

    private static byte[] Envelope(params string[] senders) => Message(o =>
    {
        Bytes(o, 1, Message(a =>
        {
            a.WriteTag(1, WireFormat.WireType.Varint);
            a.WriteUInt64(7);
        }));
        Bytes(o, 2, Message(e =>
        {
            Bytes(e, 1, Message(r => Text(r, 1, "akka.ssl.tcp://paxos@127.0.0.1:9002/user/paxos/group-kv")));
            Bytes(e, 2, [1, 2, 3]);
            foreach (var sender in senders)
            {
                Bytes(e, 4, Message(r => Text(r, 1, sender)));
            }

            e.WriteTag(5, WireFormat.WireType.Fixed64);
            e.WriteFixed64(3);
        }));
    });

    private static byte[] Frame(byte[]? payload = null, byte[]? instruction = null) => Message(o =>
    {
        if (payload is not null)
        {
            Bytes(o, 1, payload);
        }

        if (instruction is not null)
        {
            Bytes(o, 2, instruction);
        }
    });

    private static string Sender(byte[] frame)
    {
        Assert.True(AkkaPdu.TryRead(frame, out var claims));
        return Encoding.UTF8.GetString(frame.AsSpan()[claims.SenderPath]);
    }

    [Fact]
    public void It_reads_the_sender_path_of_a_message_and_the_origin_of_a_handshake()
    {
        Assert.Equal(Node1 + "/user/x", Sender(Frame(Envelope(Node1 + "/user/x"))));

        Assert.True(AkkaPdu.TryRead(Frame(instruction: Handshake(AddressData("paxos", "127.0.0.1", 9001, "ssl.tcp"))), out var claims));
        Assert.Equal(new Address("ssl.tcp", "paxos", "127.0.0.1", 9001), claims.Origin);
        Assert.Equal(0, claims.SenderPath.GetOffsetAndLength(0).Length);
    }

    [Fact]
    public void A_frame_with_a_sender_path_or_origin_that_is_not_utf8_is_refused_as_protobuf_refuses_it()
    {
        byte[] notUtf8 = [.. Encoding.UTF8.GetBytes(Node1), 0xC3, 0x28];
        byte[] SenderFrame(params byte[][] paths) => Frame(Message(o => Bytes(o, 2, Message(e =>
        {
            foreach (var path in paths)
            {
                Bytes(e, 4, Message(r => Bytes(r, 1, path)));
            }
        }))));

        // Even where a later, valid value would win the merge: protobuf fails on the first.
        Assert.False(AkkaPdu.TryRead(SenderFrame(notUtf8), out _));
        Assert.False(AkkaPdu.TryRead(SenderFrame(notUtf8, Encoding.UTF8.GetBytes(Node1 + "/user/x")), out _));
        Assert.True(AkkaPdu.TryRead(SenderFrame(Encoding.UTF8.GetBytes(Node1 + "/user/x")), out _));

        var origin = Message(o =>
        {
            Bytes(o, 1, [0x70, 0xFF]);
            Text(o, 2, "127.0.0.1");
        });
        Assert.False(AkkaPdu.TryRead(Frame(instruction: Handshake(origin)), out _));
    }

    [Fact]
    public void A_message_without_a_sender_or_a_frame_without_a_handshake_claims_nothing()
    {
        Assert.True(AkkaPdu.TryRead(Frame(Envelope()), out var claims));
        Assert.Null(claims.Origin);
        Assert.Equal(string.Empty, Sender(Frame(Envelope())));
        Assert.True(AkkaPdu.TryRead([], out claims));
        Assert.Null(claims.Origin);
    }

    [Fact]
    public void Repeated_fields_are_read_as_protobuf_merges_them_the_last_sender_and_each_last_origin_field_wins()
    {
        Assert.Equal(Node1 + "/user/b", Sender(Frame(Envelope("akka.ssl.tcp://paxos@10.0.0.9:1/user/a", Node1 + "/user/b"))));

        // Two payload fields: bytes, so the last replaces the first.
        Assert.Equal(Node1 + "/user/b", Sender(Message(o =>
        {
            Bytes(o, 1, Envelope("akka.ssl.tcp://paxos@10.0.0.9:1/user/a"));
            Bytes(o, 1, Envelope(Node1 + "/user/b"));
        })));

        // Two instructions merge: the second handshake's port overrides, the first's host stays.
        var frame = Message(o =>
        {
            Bytes(o, 2, Handshake(AddressData("paxos", "127.0.0.1", 5555, "ssl.tcp")));
            Bytes(o, 2, Handshake(Message(a =>
            {
                a.WriteTag(3, WireFormat.WireType.Varint);
                a.WriteUInt32(9001);
            })));
        });
        Assert.True(AkkaPdu.TryRead(frame, out var claims));
        Assert.Equal(new Address("ssl.tcp", "paxos", "127.0.0.1", 9001), claims.Origin);
    }

    [Fact]
    public void Unknown_fields_of_every_wire_type_are_skipped()
    {
        var frame = Message(o =>
        {
            o.WriteTag(9, WireFormat.WireType.Varint);
            o.WriteUInt64(ulong.MaxValue);
            o.WriteTag(10, WireFormat.WireType.Fixed32);
            o.WriteFixed32(1);
            o.WriteTag(11, WireFormat.WireType.Fixed64);
            o.WriteFixed64(1);
            Bytes(o, 12, [9, 9]);
            Bytes(o, 1, Envelope(Node1 + "/user/x"));
        });
        Assert.Equal(Node1 + "/user/x", Sender(frame));
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0x05, 0x01 })] // a payload longer than the frame
    [InlineData(new byte[] { 0x08 })] // a varint cut off
    [InlineData(new byte[] { 0x00, 0x00 })] // field number 0
    [InlineData(new byte[] { 0x0B, 0x0C })] // a group (wire type 3): Akka.Remote never writes one
    [InlineData(new byte[] { 0x0D, 0x01 })] // a fixed32 cut off
    [InlineData(new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })] // a varint of 11 bytes
    public void A_frame_that_does_not_read_to_its_end_is_malformed(byte[] frame) => Assert.False(AkkaPdu.TryRead(frame, out _));

    [Fact]
    public void A_malformed_message_nested_inside_is_malformed_too()
    {
        // An envelope whose sender field holds a length running past the envelope.
        var broken = Message(o => Bytes(o, 2, [0x22, 0x09, 0x0A]));
        Assert.False(AkkaPdu.TryRead(Frame(broken), out _));
        var handshake = Message(o => Bytes(o, 2, [0x0A, 0x04, 0x0A, 0x09]));
        Assert.False(AkkaPdu.TryRead(Frame(instruction: handshake), out _));
    }

    [Fact]
    public void The_address_part_of_a_path_ends_before_its_first_slash_after_the_scheme()
    {
        Assert.Equal(Node1, Encoding.UTF8.GetString(AkkaPdu.AddressPart(Encoding.UTF8.GetBytes(Node1 + "/user/paxos"))));
        Assert.Equal(Node1, Encoding.UTF8.GetString(AkkaPdu.AddressPart(Encoding.UTF8.GetBytes(Node1))));
        Assert.Equal("no scheme/x", Encoding.UTF8.GetString(AkkaPdu.AddressPart("no scheme/x"u8)));
    }

    /// <summary>
    /// A million random bytes and valid frames with bytes changed or cut (PAXOS_FUZZ_ITERATIONS
    /// sets the count): the reader never throws, and whatever it reads, protobuf's own parser of
    /// the same nesting reads the same.
    /// </summary>
    [Fact]
    public void Random_and_mutated_frames_never_throw_and_read_as_protobuf_reads_them()
    {
        byte[][] valid =
        [
            Frame(Envelope(Node1 + "/user/x")),
            Frame(Envelope("akka.ssl.tcp://paxos@10.0.0.9:1/user/a", Node1 + "/user/b")),
            Frame(instruction: Handshake(AddressData("paxos", "127.0.0.1", 9001, "ssl.tcp"))),
        ];
        var mutated = Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Int[1, 4], Gen.Int[0, int.MaxValue], Gen.Bool, (which, flips, seed, cut) =>
        {
            var bytes = (byte[])valid[which].Clone();
            var r = new Random(seed);
            for (var i = 0; i < flips; i++)
            {
                bytes[r.Next(bytes.Length)] = (byte)r.Next(256);
            }

            return cut ? bytes[..r.Next(bytes.Length + 1)] : bytes;
        });
        long read = 0, refused = 0;
        Gen.Frequency((1, Gen.Byte.Array[0, 64]), (3, mutated)).Sample(frame =>
        {
            if (AkkaPdu.TryRead(frame, out var claims))
            {
                Interlocked.Increment(ref read);
                Assert.Equal(Reference.Sender(frame), Encoding.UTF8.GetString(frame.AsSpan()[claims.SenderPath]));
                Assert.Equal(Reference.Origin(frame), claims.Origin);
            }
            else
            {
                Interlocked.Increment(ref refused);
            }
        }, iter: Iterations, threads: 2);
        output.WriteLine($"{Iterations:N0} frames: {read:N0} read, {refused:N0} refused");
        Assert.Equal(Iterations, read + refused);
        Assert.True(read > Iterations / 100 && refused > Iterations / 100, $"{read} read, {refused} refused: the inputs miss one side");
    }

    /// <summary>The same fields read with Google.Protobuf's CodedInputStream, merging as generated code does.</summary>
    private static class Reference
    {
        // As Google.Protobuf reads a string field: bytes that are not UTF-8 fail the parse.
        private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        public static string Sender(byte[] frame)
        {
            byte[]? payload = null;
            Each(frame, (n, v) => payload = n == 1 ? v : payload);
            var path = string.Empty;
            Each(payload ?? [], (n, envelope) =>
            {
                if (n == 2)
                {
                    Each(envelope, (m, actorRef) =>
                    {
                        if (m == 4)
                        {
                            Each(actorRef, (k, p) => path = k == 1 ? Strict.GetString(p) : path);
                        }
                    });
                }
            });
            return path;
        }

        public static Address? Origin(byte[] frame)
        {
            var seen = false;
            string? system = null, host = null, protocol = null;
            uint port = 0;
            Each(frame, (n, control) =>
            {
                if (n != 2)
                {
                    return;
                }

                Each(control, (m, handshake) =>
                {
                    if (m != 2)
                    {
                        return;
                    }

                    Each(handshake, (k, address) =>
                    {
                        if (k != 1)
                        {
                            return;
                        }

                        seen = true;
                        var input = new CodedInputStream(address);
                        while (input.ReadTag() is var tag and not 0)
                        {
                            switch (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag))
                            {
                                case (1, WireFormat.WireType.LengthDelimited): system = input.ReadString(); break;
                                case (2, WireFormat.WireType.LengthDelimited): host = input.ReadString(); break;
                                case (4, WireFormat.WireType.LengthDelimited): protocol = input.ReadString(); break;
                                case (3, WireFormat.WireType.Varint): port = input.ReadUInt32(); break;
                                default: input.SkipLastField(); break;
                            }
                        }
                    });
                });
            });
            return seen ? new Address(protocol ?? string.Empty, system ?? string.Empty, host, (int)port) : null;
        }

        /// <summary>Every length-delimited field of a message, in order.</summary>
        private static void Each(byte[] message, Action<int, byte[]> field)
        {
            var input = new CodedInputStream(message);
            while (input.ReadTag() is var tag and not 0)
            {
                if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                {
                    field(WireFormat.GetTagFieldNumber(tag), input.ReadBytes().ToByteArray());
                }
                else
                {
                    input.SkipLastField();
                }
            }
        }
    }
}
