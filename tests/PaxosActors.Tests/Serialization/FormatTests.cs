using Akka.Actor;
using Akka.Serialization;
using PaxosActors.Core;
using PaxosActors.Messages;
using PaxosActors.Serialization;

namespace PaxosActors.Tests.Serialization;

/// <summary>The wire and storage formats: exact round trips, and typed errors on bad bytes.</summary>
public sealed class FormatTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly NodeId N = new(3);

    public FormatTests()
        : base(PaxosExtension.DefaultConfig)
    {
    }

    private static readonly PaxosMessage[] All =
    [
        new Prepare(7, N, new Ballot(9, N)),
        new PrepareReply(7, N, new Ballot(9, N), true, new Ballot(9, N), new Ballot(2, new NodeId(1)), [1, 2, 3]),
        new PrepareReply(7, N, new Ballot(9, N), false, new Ballot(11, N), Ballot.Zero, null),
        new Accept(long.MaxValue, N, new Ballot(9, N), [], ulong.MaxValue),
        new AcceptReply(0, N, new Ballot(9, N), false, new Ballot(10, N)),
        new ValueChosen(5, N, [9, 9], 12345),
        new AskForLearn(5, N),
        new LearnOffer(900, N),
    ];

    // The message's index in All: the message types are internal, a theory's parameters public.
    public static TheoryData<int> Messages() => new(Enumerable.Range(0, All.Length));

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_wire_message_round_trips_through_akka_serialization(int index)
    {
        var message = All[index];
        var envelope = new PaxosEnvelope("kv", message) { ClusterId = "prod-1" };
        var serializer = Sys.Serialization.FindSerializerFor(envelope);
        Assert.IsType<PaxosWireSerializer>(serializer);
        var bytes = serializer.ToBinary(envelope);
        var back = (PaxosEnvelope)Sys.Serialization.Deserialize(bytes, serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, envelope));
        Assert.Equal("kv", back.Group);
        Assert.Equal("prod-1", back.ClusterId);
        Assert.Equal(Printable.Of(message), Printable.Of(back.Message));
    }

    [Fact]
    public void Every_event_round_trips_through_the_event_serializer()
    {
        AcceptorEvent[] events = [new Promised(new Ballot(4, N)), new Accepted(3, new Ballot(4, N), [5, 6]), new InstanceChosen(3, [5, 6], 77), new ChosenAccepted(3, new Ballot(4, N), 77), new SessionStarted(3)];
        foreach (var e in events)
        {
            var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(e);
            Assert.IsType<PaxosEventSerializer>(serializer);
            var back = (AcceptorEvent)serializer.FromBinary(serializer.ToBinary(e), serializer.Manifest(e));
            Assert.Equal(Printable.Of(e), Printable.Of(back));
        }
    }

    [Fact]
    public void Random_and_mutated_bytes_give_a_typed_error_or_a_valid_message_never_a_crash()
    {
        var random = new Random(2026);
        var valid = All.Select(m => MessageCodec.Encode(new PaxosEnvelope("kv", m))).ToList();
        var rejected = 0;
        for (var i = 0; i < 100_000; i++)
        {
            byte[] bytes;
            if (i % 2 == 0)
            {
                bytes = new byte[random.Next(0, 64)];
                random.NextBytes(bytes);
            }
            else
            {
                bytes = (byte[])valid[random.Next(valid.Count)].Clone();
                var flips = random.Next(1, 4);
                for (var f = 0; f < flips && bytes.Length > 0; f++)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }

                if (random.Next(4) == 0)
                {
                    bytes = bytes[..random.Next(bytes.Length + 1)];
                }
            }

            try
            {
                MessageCodec.Decode(bytes);
            }
            catch (PaxosFormatException)
            {
                rejected++;
            }
        }

        Assert.True(rejected > 50_000, $"only {rejected} of 100,000 rejected");
    }

    [Theory]
    [InlineData(-1, 2, 1, 2)]
    [InlineData(0, 0, 1, 2)]
    [InlineData(0, 2, -5, 2)]
    [InlineData(0, 2, 1, 0)]
    [InlineData(0, 2, 0, 2)]
    public void Numbers_out_of_range_are_refused_when_a_message_is_decoded(long instance, int from, long proposalId, int ballotNode)
    {
        var bytes = MessageCodec.Encode(new PaxosEnvelope("kv", new Prepare(instance, new NodeId(from), new Ballot(proposalId, new NodeId(ballotNode)))));
        Assert.Throws<PaxosFormatException>(() => MessageCodec.Decode(bytes));
    }

    [Fact]
    public void Sessions_sequences_and_floors_out_of_range_are_refused_when_a_value_is_decoded()
    {
        foreach (var (session, sequence, floor) in new[] { (0L, 1L, 1L), (1L, 0L, 1L), (1L, 2L, 3L), (1L, 2L, 0L), (-1L, 1L, 1L) })
        {
            var bytes = new ProposalValue(N, [new StoredCommand(N, session, sequence, floor, 1, 9, "m", [1])]).Encode();
            Assert.Throws<PaxosFormatException>(() => ProposalValue.Decode(bytes));
        }
    }

    [Fact]
    public void Proposal_values_round_trip_and_reject_garbage()
    {
        var value = new ProposalValue(N, [new StoredCommand(N, 42, 1, 1, 1, 9, "m", [1]), new StoredCommand(new NodeId(3), 7, 2, 1, 2, 9, "", [])]);
        var bytes = value.Encode();
        var back = ProposalValue.Decode(bytes);
        Assert.Equal(N, back.Proposer);
        Assert.Equal(N, ProposalValue.ProposerOf(bytes));
        Assert.Equal(value.Commands.Select(Printed), back.Commands.Select(Printed));
        Assert.Throws<PaxosFormatException>(() => ProposalValue.Decode([3, 0, 0]));
        Assert.Throws<PaxosFormatException>(() => ProposalValue.Decode([2, 1, 0, 0, 0, 255, 255, 255, 127]));
        Assert.Null(ProposalValue.ProposerOf([9, 1, 0, 0, 0]));
        Assert.Null(ProposalValue.ProposerOf([2, 1]));
    }

    [Fact]
    public void Values_in_the_first_format_still_decode_so_old_logs_replay()
    {
        // Version 1: one origin and session for the whole value.
        var v1 = new WireWriter().Byte(1).Int32(2).Int64(42).Int32(1).Int64(5).Int32(1).Int32(9).String("m").Bytes([7]).ToArray();
        var back = ProposalValue.Decode(v1);
        Assert.Equal(new NodeId(2), back.Proposer);
        Assert.Equal("2/42/5/1/9/m/07", Printed(Assert.Single(back.Commands)));
    }

    [Fact]
    public void Client_and_forwarding_messages_round_trip()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(new BatchPropose("x"));
        object[] all =
        [
            new BatchPropose("cmd", 2),
            new BatchProposeResult(9, 3, "done"),
        ];
        foreach (var m in all)
        {
            var back = serializer.FromBinary(serializer.ToBinary(m), serializer.Manifest(m));
            Assert.Equal(m.ToString(), back.ToString());
        }

        var refused = new ForwardRefused("g", N, 77, [1, 2, 3], ClientFailure.Overloaded, "full") { ClusterId = "c" };
        var r = (ForwardRefused)serializer.FromBinary(serializer.ToBinary(refused), serializer.Manifest(refused));
        Assert.Equal(("g", N, 77L, ClientFailure.Overloaded, "full", "c"), (r.Group, r.From, r.Session, r.Reason, r.Message, r.ClusterId));
        Assert.Equal([1L, 2L, 3L], r.Sequences);

        var forward = new ForwardedCommands("g", N, [1, 2, 3]) { ClusterId = "c" };
        var f = (ForwardedCommands)serializer.FromBinary(serializer.ToBinary(forward), serializer.Manifest(forward));
        Assert.Equal(("g", N, "c", "010203"), (f.Group, f.From, f.ClusterId, Convert.ToHexString(f.Value)));
        Assert.Throws<PaxosFormatException>(() => serializer.FromBinary([0, 0, 0, 0], serializer.Manifest(forward)));
    }

    [Fact]
    public void Membership_messages_round_trip_and_garbage_is_a_typed_error()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(GetMembership.Instance);
        var membership = new GroupMembership("g", 3, [new MemberEntry(1, "akka.tcp://paxos@a:1", true), new MemberEntry(4, "akka.tcp://paxos@d:4", false)]);
        object[] all =
        [
            new AddMember(4, "akka.tcp://paxos@d:4"),
            new AddMember(4, "akka.tcp://paxos@d:4", 0),
            new RemoveMember(2, 7),
            new ChangeMember(3, 4, "akka.tcp://paxos@d:4", 2),
            GetMembership.Instance,
            membership,
            new MemberChangeSucceeded(42, membership),
            new MemberChangeFailed(MemberChangeFailureReason.LearnerBehind, "slow", OutcomeUnknown: true),
        ];
        foreach (var m in all)
        {
            Assert.EndsWith("2", serializer.Manifest(m), StringComparison.Ordinal);
            var back = serializer.FromBinary(serializer.ToBinary(m), serializer.Manifest(m));
            Assert.Equal(Printable.Of(m), Printable.Of(back));
        }

        var failed = new MemberChangeFailed(MemberChangeFailureReason.Rejected, "no");
        var unknownReason = serializer.ToBinary(failed);
        unknownReason[1] = 99;
        Assert.Throws<PaxosFormatException>(() => serializer.FromBinary(unknownReason, serializer.Manifest(failed)));
        Assert.Throws<PaxosFormatException>(() => serializer.FromBinary([0xff, 0xff], serializer.Manifest(membership)));
    }

    [Fact]
    public void Master_messages_round_trip_and_garbage_is_a_typed_error()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(GetMaster.Instance);
        object[] all = [GetMaster.Instance, IsMaster.Instance, DropMaster.Instance, new MasterInfo("g", 2, 17, 9_500, true), new MasterInfo("g", 0, 0, 0, false, Enabled: false)];
        foreach (var m in all)
        {
            Assert.Equal(m, serializer.FromBinary(serializer.ToBinary(m), serializer.Manifest(m)));
        }

        var info = new MasterInfo("g", 2, 17, 9_500, true);
        byte[] negativeNode = [0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        Assert.Throws<PaxosFormatException>(() => serializer.FromBinary(negativeNode, serializer.Manifest(info)));
        Assert.Throws<PaxosFormatException>(() => serializer.FromBinary([0xff, 0xff], serializer.Manifest(GetMaster.Instance)));
    }

    private static string Printed(StoredCommand c) => $"{c.Origin.Value}/{c.Session}/{c.Sequence}/{c.StateMachineId}/{c.SerializerId}/{c.Manifest}/{Convert.ToHexString(c.Payload)}";

    [Fact]
    public void An_unknown_event_manifest_is_a_typed_error()
    {
        var serializer = new PaxosEventSerializer((ExtendedActorSystem)Sys);
        Assert.Throws<PaxosFormatException>(() => serializer.FromBinary([1, 2], "Z9"));
    }
}
