using CsCheck;
using PaxosActors.Core;
using PaxosActors.Messages;
using PaxosActors.Serialization;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Fuzzing;

/// <summary>
/// The Protocol Buffers wire format (version 2) under a million random and mutated inputs:
/// valid messages with bytes changed, cut, or fields a later version might add spliced in.
/// Each input either decodes to a message whose encoding is stable (it decodes back to the
/// same encoding), or is refused with PaxosFormatException; nothing else is ever thrown.
/// PAXOS_FUZZ_ITERATIONS sets the count.
/// </summary>
public sealed class ProtoWireFuzzTests(ITestOutputHelper output)
{
    private static readonly long Iterations = long.TryParse(Environment.GetEnvironmentVariable("PAXOS_FUZZ_ITERATIONS"), out var n) ? n : 1_000_000;

    private static readonly byte[][] Valid =
    [
        .. SampleMessages.All.Select(m => ProtoMessageCodec.Encode(new PaxosEnvelope("kv", m) { ClusterId = "paxos" })),
        ProtoMessageCodec.Encode(new PaxosEnvelope("kv", SampleMessages.AcceptAnnouncingChosen) { ClusterId = "paxos" }),
    ];

    [Fact]
    public void Random_and_mutated_envelopes_decode_to_a_stable_message_or_are_refused_with_a_typed_error()
    {
        long decoded = 0, refused = 0;
        Gen.Frequency((1, Gen.Byte.Array[0, 96]), (4, Mutated(Valid))).Sample(bytes =>
        {
            try
            {
                var once = ProtoMessageCodec.Encode(ProtoMessageCodec.Decode(bytes));
                Assert.Equal(once, ProtoMessageCodec.Encode(ProtoMessageCodec.Decode(once)));
                Interlocked.Increment(ref decoded);
            }
            catch (PaxosFormatException)
            {
                Interlocked.Increment(ref refused);
            }
        }, iter: Iterations, threads: 2);
        output.WriteLine($"{Iterations:N0} inputs: {decoded:N0} decoded to a stable message, {refused:N0} refused");
        Assert.Equal(Iterations, decoded + refused);
        Assert.True(decoded > 0 && refused > 0);
    }

    [Fact]
    public void Random_and_mutated_hand_overs_decode_or_are_refused_with_a_typed_error()
    {
        // Hand-overs nest no user objects, so no Akka serialization is needed to code them.
        object forward = new ForwardedCommands("kv", new NodeId(2), [2, 1, 2, 3]) { ClusterId = "paxos" };
        object refusal = new ForwardRefused("kv", new NodeId(2), 7, [1, 2], ClientFailure.Overloaded, "full") { ClusterId = "paxos" };
        object[] messages = [forward, refusal];
        var valid = messages.Select(m => ProtoClientCodec.Encode(m, null!)).ToArray();
        var manifests = messages.Select(m => ProtoClientCodec.Manifest(m)!).ToArray();
        long decoded = 0, refused = 0;
        Gen.Int[0, valid.Length - 1].SelectMany(which => Mutated([valid[which]]).Select(bytes => (which, bytes))).Sample(input =>
        {
            try
            {
                var message = ProtoClientCodec.Decode(input.bytes, manifests[input.which], null!);
                var once = ProtoClientCodec.Encode(message, null!);
                Assert.Equal(once, ProtoClientCodec.Encode(ProtoClientCodec.Decode(once, manifests[input.which], null!), null!));
                Interlocked.Increment(ref decoded);
            }
            catch (PaxosFormatException)
            {
                Interlocked.Increment(ref refused);
            }
        }, iter: Iterations / 10, threads: 2);
        output.WriteLine($"{Iterations / 10:N0} hand-overs: {decoded:N0} decoded, {refused:N0} refused");
        Assert.Equal(Iterations / 10, decoded + refused);
        Assert.True(decoded > 0 && refused > 0);
    }

    [Fact]
    public void Random_and_mutated_membership_messages_decode_or_are_refused_with_a_typed_error()
    {
        var membership = new GroupMembership("kv", 3, [new MemberEntry(1, "akka.tcp://paxos@a:1", true), new MemberEntry(4, "akka.tcp://paxos@d:4", false)]);
        object[] messages =
        [
            new AddMember(4, "akka.tcp://paxos@d:4", 2),
            new RemoveMember(2),
            new ChangeMember(3, 4, "akka.tcp://paxos@d:4"),
            membership,
            new MemberChangeSucceeded(9, membership),
            new MemberChangeFailed(MemberChangeFailureReason.VersionMismatch, "stale"),
        ];
        var valid = messages.Select(MembershipCodec.Encode).ToArray();
        var manifests = messages.Select(m => MembershipCodec.Manifest(m)!).ToArray();
        long decoded = 0, refused = 0;
        Gen.Int[0, valid.Length - 1].SelectMany(which => Mutated([valid[which]]).Select(bytes => (which, bytes))).Sample(input =>
        {
            try
            {
                var once = MembershipCodec.Encode(MembershipCodec.Decode(input.bytes, manifests[input.which]));
                Assert.Equal(once, MembershipCodec.Encode(MembershipCodec.Decode(once, manifests[input.which])));
                Interlocked.Increment(ref decoded);
            }
            catch (PaxosFormatException)
            {
                Interlocked.Increment(ref refused);
            }
        }, iter: Iterations / 10, threads: 2);
        output.WriteLine($"{Iterations / 10:N0} membership messages: {decoded:N0} decoded, {refused:N0} refused");
        Assert.Equal(Iterations / 10, decoded + refused);
        Assert.True(decoded > 0 && refused > 0);
    }

    /// <summary>A valid message with up to 4 bytes changed, maybe cut short, maybe with a random field spliced in at a random place.</summary>
    private static Gen<byte[]> Mutated(byte[][] valid) =>
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Int[0, 4], Gen.Int[0, int.MaxValue], Gen.Int[0, 2], (which, flips, seed, how) =>
        {
            var bytes = (byte[])valid[which].Clone();
            var r = new System.Random(seed);
            for (var i = 0; i < flips; i++)
            {
                bytes[r.Next(bytes.Length)] = (byte)r.Next(256);
            }

            return how switch
            {
                0 => bytes[..r.Next(bytes.Length + 1)],
                1 => Splice(bytes, r),
                _ => bytes,
            };
        });

    /// <summary>A field (a random number and wire type, and a plausible body) inserted at a random offset.</summary>
    private static byte[] Splice(byte[] bytes, System.Random r)
    {
        var field = new List<byte>();
        var tag = (uint)((r.Next(1, 2000) << 3) | r.Next(6));
        for (; tag >= 0x80; tag >>= 7)
        {
            field.Add((byte)(tag | 0x80));
        }

        field.Add((byte)tag);
        var body = new byte[r.Next(0, 12)];
        r.NextBytes(body);
        if (r.Next(2) == 0 && body.Length > 0)
        {
            body[0] = (byte)(body.Length - 1);
        }

        field.AddRange(body);
        var at = r.Next(bytes.Length + 1);
        return [.. bytes[..at], .. field, .. bytes[at..]];
    }
}
