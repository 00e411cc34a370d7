using Akka.Actor;
using Akka.Serialization;
using PaxosActors.Kv;
using PaxosActors.Tests.Actors;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Kv;

/// <summary>The replicated KV store through a real group, and its wire format.</summary>
public sealed class KvTests(ITestOutputHelper output) : JournalTestKit(output, SingleNodeGroup + "\n" + KvConfig)
{
    private static readonly string KvConfig = KvStateMachine.Config.Root.ToString();

    [Fact]
    public async Task Put_get_append_cas_and_delete_go_through_the_log()
    {
        var kv = new KvStateMachine();
        var group = await PaxosExtension.Get(Sys).StartGroupAsync("g", kv);
        async Task<KvResult> Run(IKvCommand c) => (KvResult)(await group.Ask<ProposeResult>(new Propose(c), TimeSpan.FromSeconds(5))).Result!;

        Assert.Equal(new KvResult(true, null), await Run(new KvGet("a")));
        Assert.Equal(new KvResult(true, "1"), await Run(new KvPut("a", "1")));
        Assert.Equal(new KvResult(true, "12"), await Run(new KvAppend("a", "2")));
        Assert.Equal(new KvResult(false, "12"), await Run(new KvCas("a", "1", "x")));
        Assert.Equal(new KvResult(true, "x"), await Run(new KvCas("a", "12", "x")));
        Assert.Equal(new KvResult(true, "z"), await Run(new KvAppend("b", "z")));
        Assert.Equal(new KvResult(true, "new"), await Run(new KvCas("c", null, "new")));
        Assert.Equal(new KvResult(true, null), await Run(new KvDelete("a")));
        Assert.Equal(new KvResult(true, null), await Run(new KvGet("a")));
        Assert.Equal(new Dictionary<string, string> { ["b"] = "z", ["c"] = "new" }, kv.Snapshot());
    }

    [Fact]
    public void Commands_and_results_use_the_kv_serializer_and_round_trip()
    {
        object[] values = [new KvGet("k"), new KvPut("k", "v"), new KvDelete("k"), new KvAppend("k", "é"), new KvCas("k", null, "v"), new KvCas("k", "", "v"), new KvResult(false, null)];
        foreach (var value in values)
        {
            var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(value);
            Assert.IsType<KvSerializer>(serializer);
            Assert.Equal(value, serializer.FromBinary(serializer.ToBinary(value), serializer.Manifest(value)));
        }

        var kv = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(new KvGet("k"));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => kv.FromBinary([1, 0, 0], "G"));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => kv.FromBinary([], "Q"));
    }

    [Fact]
    public void Client_messages_round_trip_over_the_wire_format_with_nested_commands_and_results()
    {
        PaxosExtension.Get(Sys);
        object[] messages =
        [
            new Propose(new KvCas("k", null, "v"), 3),
            new ProposeResult(9, new KvResult(true, "v")),
            new ProposeResult(9, null),
            new ProposeFailed(ProposeFailureReason.Overloaded, "busy", OutcomeUnknown: false),
            GetGroupStatus.Instance,
            new GroupStatus("g", 2, 10, 99, true, "diverged"),
            new GroupStatus("g", 2, 10, 99, false, null),
            new StateMachineError("X", "boom"),
        ];
        foreach (var m in messages)
        {
            var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(m);
            Assert.IsType<PaxosActors.Serialization.PaxosWireSerializer>(serializer);
            Assert.Equal(m, serializer.FromBinary(serializer.ToBinary(m), serializer.Manifest(m)));
        }
    }
}
