using CsCheck;
using PaxosActors.Core;
using PaxosActors.Messages;
using PaxosActors.Serialization;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Fuzzing;

/// <summary>
/// A million random and mutated byte strings into the wire format: each either decodes to a
/// message that encodes back to the same bytes, or is refused with PaxosFormatException;
/// nothing else is ever thrown. Decoded junk then goes into a node's coordinator, where every
/// message it drops leaves the node's state as it was. PAXOS_FUZZ_ITERATIONS sets the count.
/// </summary>
public sealed class WireFuzzTests(ITestOutputHelper output)
{
    private static readonly long Iterations = long.TryParse(Environment.GetEnvironmentVariable("PAXOS_FUZZ_ITERATIONS"), out var n) ? n : 1_000_000;

    private static readonly byte[][] Valid =
    [
        .. SampleMessages.Protocol.Select(m => MessageCodec.Encode(new PaxosEnvelope("kv", m) { ClusterId = "paxos" })),
    ];

    private static readonly Gen<byte[]> Random = Gen.Byte.Array[0, 96];

    private static readonly Gen<byte[]> Mutated =
        Gen.Select(Gen.Int[0, Valid.Length - 1], Gen.Int[1, 4], Gen.Int[0, int.MaxValue], Gen.Bool, (which, flips, seed, cut) =>
        {
            var bytes = (byte[])Valid[which].Clone();
            var r = new System.Random(seed);
            for (var i = 0; i < flips; i++)
            {
                bytes[r.Next(bytes.Length)] = (byte)r.Next(256);
            }

            return cut ? bytes[..r.Next(bytes.Length + 1)] : bytes;
        });

    [Fact]
    public void Random_and_mutated_bytes_decode_exactly_or_are_refused_with_a_typed_error()
    {
        long decoded = 0, refused = 0;
        Gen.Frequency((1, Random), (3, Mutated)).Sample(bytes =>
        {
            try
            {
                var envelope = MessageCodec.Decode(bytes);
                Assert.Equal(bytes, MessageCodec.Encode(envelope));
                Interlocked.Increment(ref decoded);
            }
            catch (PaxosFormatException)
            {
                Interlocked.Increment(ref refused);
            }
        }, iter: Iterations, threads: 2);
        output.WriteLine($"{Iterations:N0} inputs: {decoded:N0} decoded exactly, {refused:N0} refused");
        Assert.Equal(Iterations, decoded + refused);
    }

    [Fact]
    public void Junk_that_decodes_never_changes_a_node_it_is_dropped_by()
    {
        var members = new Membership([new NodeId(1), new NodeId(2), new NodeId(3)]);
        long dropped = 0, total = 0;
        Mutated.Sample(bytes =>
        {
            PaxosEnvelope envelope;
            try
            {
                envelope = MessageCodec.Decode(bytes);
            }
            catch (PaxosFormatException)
            {
                return;
            }

            var coordinator = new InstanceCoordinator(new NodeId(1), members, new ProtocolOptions(), 3, 99);
            var before = (coordinator.Instance, coordinator.PreviousChecksum, coordinator.HeldMessages, coordinator.IsHalted);
            var effects = coordinator.Handle(envelope.Message);
            Interlocked.Increment(ref total);
            if (effects.Count == 1 && effects[0] is Dropped)
            {
                Interlocked.Increment(ref dropped);
                Assert.Equal(before, (coordinator.Instance, coordinator.PreviousChecksum, coordinator.HeldMessages, coordinator.IsHalted));
            }
        }, iter: Iterations / 4, threads: 2);
        output.WriteLine($"{total:N0} decoded junk messages into a coordinator, {dropped:N0} dropped without a state change");
        Assert.True(dropped > 0);
    }

    [Fact]
    public void Random_and_mutated_values_and_hand_overs_decode_exactly_or_are_refused_with_a_typed_error()
    {
        // What a learner runs and what a leader takes from another node: untrusted bytes too.
        var value = new ProposalValue(new NodeId(2), [new StoredCommand(new NodeId(2), 7, 1, 1, 1, 4, "m", [1, 2, 3]), new StoredCommand(new NodeId(3), 1, 9, 3, 2, 9, "", [])]).Encode();
        // Hand-overs nest no user objects, so no Akka serialization is needed to code them.
        object forward = new ForwardedCommands("kv", new NodeId(2), value) { ClusterId = "paxos" };
        object refusal = new ForwardRefused("kv", new NodeId(2), 7, [1, 2], ClientFailure.Overloaded, "full") { ClusterId = "paxos" };
        byte[][] valid = [value, ClientCodec.Encode(forward, null!), ClientCodec.Encode(refusal, null!)];
        string?[] manifests = [null, ClientCodec.Manifest(forward), ClientCodec.Manifest(refusal)];
        long decoded = 0, rejected = 0;
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Int[0, 4], Gen.Int[0, int.MaxValue], Gen.Bool, (which, flips, seed, cut) =>
        {
            var bytes = (byte[])valid[which].Clone();
            var r = new System.Random(seed);
            for (var i = 0; i < flips; i++)
            {
                bytes[r.Next(bytes.Length)] = (byte)r.Next(256);
            }

            return (which, cut ? bytes[..r.Next(bytes.Length + 1)] : bytes);
        }).Sample(input =>
        {
            try
            {
                if (manifests[input.which] is { } manifest)
                {
                    ClientCodec.Decode(input.Item2, manifest, null!);
                }
                else
                {
                    // A byte flipped to version 1 may still parse, as the old layout: then it
                    // encodes back in the current one.
                    var decodedValue = ProposalValue.Decode(input.Item2);
                    if (input.Item2[0] == 2)
                    {
                        Assert.Equal(input.Item2, decodedValue.Encode());
                    }
                }

                Interlocked.Increment(ref decoded);
            }
            catch (PaxosFormatException)
            {
                Interlocked.Increment(ref rejected);
            }
        }, iter: Iterations / 10, threads: 2);
        output.WriteLine($"{Iterations / 10:N0} values and hand-overs: {decoded:N0} decoded, {rejected:N0} refused");
        Assert.Equal(Iterations / 10, decoded + rejected);
        Assert.True(rejected > 0 && decoded > 0);
    }
}
