using Akka.Actor;
using Google.Protobuf;
using PaxosActors.Serialization;
using PaxosActors.TestKit;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Serialization;

/// <summary>
/// Two versions in one cluster, under load, over real Akka.Remote: nodes that write the wire
/// format of the release before (version 1) beside nodes that write version 2, and a node of a
/// later release that adds a field the others do not know. Every proposal is answered, every
/// node runs the same log, and no command is lost or runs twice.
/// </summary>
public sealed class RollingUpgradeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Nodes_writing_version_1_and_version_2_run_one_log_and_a_node_upgrades_in_place()
    {
        var version = new Dictionary<int, int> { [1] = 1, [2] = 1, [3] = 2 };
        await using var cluster = await StartAsync(node => $"paxos-actors.wire.write-version = {version[node]}");
        using var malformed = CounterProbe.For(cluster, "paxos.wire.malformed");
        var sent = await LoadAsync(cluster, "mixed", 300);

        // Node 1 upgrades: it stops, and starts again writing version 2 from its SQLite file.
        await cluster.CrashAsync(1);
        version[1] = 2;
        await cluster.RestartAsync(1);
        sent += await LoadAsync(cluster, "upgraded", 300);
        await AssertOneLogAsync(cluster, sent);
        Assert.Equal(0, malformed.Snapshot().GetValueOrDefault("paxos.wire.malformed"));
    }

    [Fact]
    public async Task A_node_that_sends_a_field_the_others_do_not_know_interoperates_with_them()
    {
        await using var cluster = await StartAsync(node => node == 3
            ? $$"""akka.actor.serializers.paxos-wire = "{{typeof(NextVersionSerializer).FullName}}, {{typeof(NextVersionSerializer).Assembly.GetName().Name}}" """
            : string.Empty);
        Assert.IsType<NextVersionSerializer>(cluster.System(3).Serialization.FindSerializerForType(typeof(Propose)));
        using var malformed = CounterProbe.For(cluster, "paxos.wire.malformed");
        var sent = await LoadAsync(cluster, "next", 600);
        await AssertOneLogAsync(cluster, sent);
        Assert.True(NextVersionSerializer.Written > 0);
        Assert.Equal(0, malformed.Snapshot().GetValueOrDefault("paxos.wire.malformed"));
    }

    private static Task<PaxosTestCluster> StartAsync(Func<int, string> nodeConfig) => PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
    {
        Nodes = 3,
        StateMachines = (_, _) => [new RecordingStateMachine()],
        NodeConfig = nodeConfig,
        ExtraConfig = "akka.loglevel = ERROR\npaxos-actors.proposer { prepare-timeout = 300ms, accept-timeout = 300ms }",
    });

    /// <summary>Proposes <paramref name="count"/> commands at once through all nodes; every one is answered, and nearly all run.</summary>
    private async Task<int> LoadAsync(PaxosTestCluster cluster, string prefix, int count)
    {
        var replies = await Task.WhenAll(Enumerable.Range(0, count).Select(i => cluster.ProposeAsync(1 + (i % 3), $"{prefix}{i}", Ceiling)));
        var failed = replies.OfType<ProposeFailed>().ToList();
        output.WriteLine($"{prefix}: {count - failed.Count} ran, {failed.Count} failed: {string.Join(", ", failed.Select(f => f.Reason).Distinct())}");
        Assert.All(replies, r => Assert.True(r is ProposeResult or ProposeFailed { OutcomeUnknown: true }, $"{r}"));
        Assert.True(failed.Count < count / 10, $"{failed.Count} of {count} failed");
        return count;
    }

    /// <summary>Every node ran the same log; each command at most once; each one answered as run is in it.</summary>
    private static async Task AssertOneLogAsync(PaxosTestCluster cluster, int sent)
    {
        var status = (await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 1))[0];
        var logs = cluster.Nodes.Select(n => cluster.StateMachine<RecordingStateMachine>(n).Log.Select(e => (string)e.Command).ToList()).ToList();
        Assert.All(logs, log => Assert.Equal(logs[0], log));
        Assert.Equal(logs[0].Count, logs[0].Distinct().Count());
        Assert.InRange(logs[0].Count, sent * 9 / 10, sent);
        Assert.True(status.Executed > 0);
    }
}

/// <summary>
/// The wire serializer of a later release, as far as the others can tell: it writes what
/// version 2 writes plus a field (number 1000) that version 2 does not know, and reads as version 2.
/// </summary>
public sealed class NextVersionSerializer(ExtendedActorSystem system) : Akka.Serialization.SerializerWithStringManifest(system)
{
    private static long _written;
    private readonly PaxosWireSerializer _current = new(system);

    public static long Written => Interlocked.Read(ref _written);

    public override int Identifier => PaxosWireSerializer.Id;

    public override string Manifest(object o) => _current.Manifest(o);

    public override byte[] ToBinary(object obj)
    {
        using var buffer = new MemoryStream();
        buffer.Write(_current.ToBinary(obj));
        var extra = new CodedOutputStream(buffer, leaveOpen: true);
        extra.WriteTag(1000, WireFormat.WireType.LengthDelimited);
        extra.WriteBytes(ByteString.CopyFromUtf8("a field of a later release"));
        extra.Flush();
        Interlocked.Increment(ref _written);
        return buffer.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest) => _current.FromBinary(bytes, manifest);
}
