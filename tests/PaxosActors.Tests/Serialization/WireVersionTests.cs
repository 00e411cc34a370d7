using Akka.Actor;
using Akka.Configuration;
using Google.Protobuf;
using PaxosActors.Core;
using PaxosActors.Messages;
using PaxosActors.Serialization;
using Wire = PaxosActors.Serialization.Wire;

namespace PaxosActors.Tests.Serialization;

/// <summary>
/// Both wire formats: every message round-trips in each, the serializer reads either whatever it
/// writes, version 2 reads past fields it does not know wherever they sit, and refuses what its
/// checks refuse in version 1.
/// </summary>
public sealed class WireVersionTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly NodeId N = new(3);

    private static readonly PaxosMessage[] Paxos =
    [
        new Prepare(7, N, new Ballot(9, N)),
        new PrepareReply(7, N, new Ballot(9, N), true, new Ballot(9, N), new Ballot(2, new NodeId(1)), [1, 2, 3]),
        new PrepareReply(7, N, new Ballot(9, N), true, new Ballot(9, N), new Ballot(2, new NodeId(1)), []),
        new PrepareReply(7, N, new Ballot(9, N), false, new Ballot(11, N), Ballot.Zero, null),
        new Accept(long.MaxValue, N, new Ballot(9, N), [], ulong.MaxValue),
        new AcceptReply(0, N, new Ballot(9, N), false, new Ballot(10, N)),
        new ValueChosen(5, N, [9, 9], 12345),
        new AskForLearn(5, N),
        new LearnOffer(900, N),
        new CheckpointOffer(900, N, 1 << 20, 77),
        new ChunkRequest(900, N, 77, 4096, 1024),
        new CheckpointChunk(900, N, 77, 4096, [1, 2, 3], 88),
        new ReadIndexRequest(0, N, 3),
        new ReadIndexReply(77, N, 3),
    ];

    private static readonly object[] Client =
    [
        new Propose("cmd", 2),
        new ProposeResult(9, "done"),
        new ProposeResult(9, null),
        new ProposeFailed(ProposeFailureReason.Timeout, "late", true),
        GetGroupStatus.Instance,
        new GroupStatus("g", 2, 40, 99, false, null),
        new GroupStatus("g", 2, 40, 99, true, "disk gone"),
        new StateMachineError("System.InvalidOperationException", "no"),
        new BatchPropose("cmd", 2),
        new BatchProposeResult(9, 3, "done"),
        new ForwardedCommands("g", N, [1, 2, 3]) { ClusterId = "c" },
        new ForwardRefused("g", N, 77, [1, 2, 3], ClientFailure.Overloaded, "full") { ClusterId = "c" },
    ];

    // Messages that version 1 never had: written in version 2 whatever the write version.
    private static readonly object[] Version2Only =
    [
        new Read("query", 2),
        GetNodeGroups.Instance,
        new NodeGroups(4, ["kv", "locks"]),
        new NodeGroups(4, []),
        new GroupStatus("g", 2, 40, 99, false, null) { Instance = 42, PeerInstance = 45, Leader = 3 },
    ];

    public WireVersionTests()
        : base(PaxosExtension.DefaultConfig)
    {
    }

    public static TheoryData<int> Versions() => [1, 2];

    [Theory]
    [MemberData(nameof(Versions))]
    public void Every_message_round_trips_in_either_version_and_the_serializer_reads_both(int version)
    {
        var reader = (PaxosWireSerializer)Sys.Serialization.FindSerializerForType(typeof(Propose));
        var writer = new PaxosWireSerializer(Writing(version));
        foreach (var m in Paxos.Select(p => (object)new PaxosEnvelope("kv", p) { ClusterId = "prod-1" }).Concat(Client))
        {
            var manifest = writer.Manifest(m);
            Assert.EndsWith(version == 1 ? (m is ForwardRefused ? "2" : "1") : (m is ForwardRefused ? "3" : "2"), manifest, StringComparison.Ordinal);
            Assert.Equal(Printable.Of(m), Printable.Of(reader.FromBinary(writer.ToBinary(m), manifest)));
        }
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Messages_version_1_never_had_are_written_in_version_2_whatever_the_write_version(int version)
    {
        var reader = (PaxosWireSerializer)Sys.Serialization.FindSerializerForType(typeof(Propose));
        var writer = new PaxosWireSerializer(Writing(version));
        foreach (var m in Version2Only.Where(m => m is not GroupStatus || version == 2))
        {
            var manifest = writer.Manifest(m);
            Assert.EndsWith("2", manifest, StringComparison.Ordinal);
            Assert.Equal(Printable.Of(m), Printable.Of(reader.FromBinary(writer.ToBinary(m), manifest)));
        }
    }

    [Fact]
    public void Version_2_reads_past_fields_it_does_not_know_before_between_and_after_its_own()
    {
        var serializer = (PaxosWireSerializer)Sys.Serialization.FindSerializerForType(typeof(Propose));
        foreach (var m in Paxos.Select(p => (object)new PaxosEnvelope("kv", p) { ClusterId = "prod-1" }).Concat(Client).Concat(Version2Only))
        {
            var bytes = serializer.ToBinary(m);
            var manifest = serializer.Manifest(m);
            foreach (var at in new[] { 0, FirstFieldEnd(bytes), bytes.Length })
            {
                byte[] spliced = [.. bytes[..at], .. UnknownField(), .. bytes[at..]];
                Assert.Equal(Printable.Of(m), Printable.Of(serializer.FromBinary(spliced, manifest)));
            }
        }
    }

    [Theory]
    [InlineData(-1, 2, 1, 2)]
    [InlineData(0, 0, 1, 2)]
    [InlineData(0, 2, -5, 2)]
    [InlineData(0, 2, 1, 0)]
    [InlineData(0, 2, 0, 2)]
    public void Version_2_refuses_numbers_out_of_range_as_version_1_does(long instance, int from, long proposalId, int ballotNode)
    {
        var bytes = new Wire.Envelope { Group = "kv", Instance = instance, From = from, Prepare = new Wire.Prepare { Ballot = new Wire.Ballot { ProposalId = proposalId, Node = ballotNode } } }.ToByteArray();
        Assert.Throws<PaxosFormatException>(() => ProtoMessageCodec.Decode(bytes));
    }

    [Fact]
    public void Version_2_refuses_an_envelope_with_a_message_it_does_not_know_or_none_and_bad_hand_overs()
    {
        var known = new Wire.Envelope { Group = "kv", Instance = 1, From = 2 }.ToByteArray();
        Assert.Throws<PaxosFormatException>(() => ProtoMessageCodec.Decode(known));
        Assert.Throws<PaxosFormatException>(() => ProtoMessageCodec.Decode([.. known, .. UnknownField()]));
        Assert.Throws<PaxosFormatException>(() => ProtoMessageCodec.Decode([0xFF, 0xFF, 0xFF]));
        Assert.Throws<PaxosFormatException>(() => ProtoMessageCodec.Decode(new Wire.Envelope { From = 2, ChunkRequest = new Wire.ChunkRequest { Bytes = 0 } }.ToByteArray()));

        var serializer = (PaxosWireSerializer)Sys.Serialization.FindSerializerForType(typeof(Propose));
        Assert.Throws<PaxosFormatException>(() => serializer.FromBinary(new Wire.ForwardedCommands { From = 0 }.ToByteArray(), ProtoClientCodec.Forward));
        Assert.Throws<PaxosFormatException>(() => serializer.FromBinary(new Wire.ForwardRefused { From = 2, Session = 1, Reason = 99 }.ToByteArray(), ProtoClientCodec.Refused));
        Assert.Throws<PaxosFormatException>(() => serializer.FromBinary(new Wire.ForwardRefused { From = 2, Session = 1, Sequences = { 0 } }.ToByteArray(), ProtoClientCodec.Refused));
        Assert.Throws<PaxosFormatException>(() => serializer.FromBinary(new Wire.Propose { StateMachineId = 1 }.ToByteArray(), ProtoClientCodec.Propose));
        Assert.Throws<PaxosFormatException>(() => serializer.FromBinary(new Wire.ProposeFailed { Reason = 999 }.ToByteArray(), ProtoClientCodec.Failed));
        Assert.Throws<PaxosFormatException>(() => serializer.FromBinary([], "ZZ9"));
    }

    [Fact]
    public void An_accepts_chosen_ballot_travels_in_version_2_is_range_checked_and_version_1_leaves_it_out()
    {
        var accept = new Accept(7, N, new Ballot(9, N), [1], 5) { ChosenBallot = new Ballot(8, N) };
        var envelope = new PaxosEnvelope("kv", accept) { ClusterId = "c" };
        Assert.Equal(Printable.Of(envelope), Printable.Of(ProtoMessageCodec.Decode(ProtoMessageCodec.Encode(envelope))));
        Assert.Equal(Printable.Of(accept with { ChosenBallot = Ballot.Zero }), Printable.Of(MessageCodec.Decode(MessageCodec.Encode(envelope)).Message));

        // Absent, it is the zero ballot: no news, as from a node before it.
        var plain = new Wire.Envelope { Group = "kv", Instance = 7, From = 3, Accept = new Wire.Accept { Ballot = new Wire.Ballot { ProposalId = 9, Node = 3 } } };
        Assert.Equal(Ballot.Zero, ((Accept)ProtoMessageCodec.Decode(plain.ToByteArray()).Message).ChosenBallot);
        plain.Accept.ChosenBallot = new Wire.Ballot { ProposalId = -1, Node = 3 };
        Assert.Throws<PaxosFormatException>(() => ProtoMessageCodec.Decode(plain.ToByteArray()));
        plain.Accept.ChosenBallot = new Wire.Ballot { ProposalId = 8, Node = 0 };
        Assert.Throws<PaxosFormatException>(() => ProtoMessageCodec.Decode(plain.ToByteArray()));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public void Chosen_with_next_accept_is_on_by_default_and_off_with_wire_format_1(int version, bool on)
    {
        var config = ConfigurationFactory.ParseString($"paxos-actors.node-id = 1\npaxos-actors.nodes.1 = \"akka.tcp://paxos@127.0.0.1:9001\"\npaxos-actors.groups.kv.members = [1]\npaxos-actors.wire.write-version = {version}").WithFallback(PaxosExtension.DefaultConfig);
        Assert.Equal(on, PaxosSettings.Create(config).Protocol.ChosenWithNextAccept);
        var off = ConfigurationFactory.ParseString("paxos-actors.proposer.chosen-with-next-accept = off").WithFallback(config);
        Assert.False(PaxosSettings.Create(off).Protocol.ChosenWithNextAccept);
    }

    [Fact]
    public async Task A_write_version_other_than_1_or_2_is_a_configuration_error()
    {
        using var system = ActorSystem.Create("bad", ConfigurationFactory.ParseString("paxos-actors.wire.write-version = 3"));
        var e = Assert.Throws<ConfigurationException>(() => new PaxosWireSerializer((ExtendedActorSystem)system));
        Assert.Contains("write-version", e.Message, StringComparison.Ordinal);
        await system.Terminate();
    }

    private ExtendedActorSystem Writing(int version)
    {
        var system = ActorSystem.Create($"v{version}", ConfigurationFactory.ParseString($"paxos-actors.wire.write-version = {version}").WithFallback(PaxosExtension.DefaultConfig));
        return (ExtendedActorSystem)system;
    }

    /// <summary>Field 1000, length-delimited: what a later release might add.</summary>
    private static byte[] UnknownField()
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer, leaveOpen: true);
        output.WriteTag(1000, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFromUtf8("later"));
        output.Flush();
        return buffer.ToArray();
    }

    /// <summary>Where the first field of a protobuf message ends (0 for an empty message).</summary>
    private static int FirstFieldEnd(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return 0;
        }

        var input = new CodedInputStream(bytes);
        input.ReadTag();
        input.SkipLastField();
        return (int)input.Position;
    }
}
