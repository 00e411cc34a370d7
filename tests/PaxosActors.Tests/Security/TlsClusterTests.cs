using Akka.Actor;
using Akka.Configuration;
using PaxosActors.Core;
using PaxosActors.Hosting;
using PaxosActors.Messages;
using PaxosActors.Security;
using PaxosActors.TestKit;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Security;

/// <summary>
/// Three nodes over mutual TLS on real Akka.Remote. Peers without a certificate the cluster
/// trusts, and peers whose certificate names someone else than the node they claim to be, get
/// no message to take effect: a forged Prepare and Accept at a huge ballot, had any acceptor
/// taken them, would make the next proposal adopt the forged value.
/// </summary>
public sealed class TlsClusterTests(ITestOutputHelper output)
{
    private const string Group = "test";
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Peers_with_an_untrusted_certificate_or_none_get_nothing_to_take_effect()
    {
        await using var cluster = await StartAsync();
        using var refused = CounterProbe.For(cluster, "paxos.tls.refused");
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "before", Ceiling));
        var status = (await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 1))[0];

        // A certificate from another CA that names node 2 of this cluster, and trusts the cluster's
        // CA (so its own side of the handshake passes); then a peer over plain TCP.
        var stranger = DevCertificates.Create("stranger CA").Node("paxos", 2);
        using var untrusted = Peer("paxos", Free(), cluster.TlsConfig("stranger", stranger));
        using var plain = Peer("paxos", Free(), string.Empty);
        Forge(untrusted, cluster, status, "akka.ssl.tcp");
        Forge(plain, cluster, status, "akka.tcp");

        await refused.WaitAsync(c => c["paxos.tls.refused"] >= 1, Ceiling);
        await AssertOnlyClientCommandsRanAsync(cluster);
    }

    [Fact]
    public async Task A_node_whose_certificate_names_another_node_is_refused_by_the_others()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(Options() with
        {
            CertificateIdentity = node => PeerIdentity.ForNode("paxos", new NodeId(node == 3 ? 1 : node)),
        });
        using var one = CounterProbe.For(cluster.System(1), "paxos.tls.refused");
        using var two = CounterProbe.For(cluster.System(2), "paxos.tls.refused");
        var refusal = new TaskCompletionSource<PeerRefused>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = cluster.System(1).ActorOf(Props.Create(() => new FirstRefusal(refusal)));
        cluster.System(1).EventStream.Subscribe(listener, typeof(PeerRefused));

        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "before", Ceiling));
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(2, "after", Ceiling));
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "last", Ceiling));
        await one.WaitAsync(c => c["paxos.tls.refused"] >= 1, Ceiling);
        await two.WaitAsync(c => c["paxos.tls.refused"] >= 1, Ceiling);

        // Node 1 ran all three (in order: it ran its own last), node 2 at least the one it
        // proposed, node 3 nothing: every connection with it was refused.
        var logs = cluster.Nodes.Select(n => cluster.StateMachine<RecordingStateMachine>(n).Log.Select(e => e.Command).ToList()).ToList();
        output.WriteLine(string.Join(" | ", logs.Select(l => string.Join(",", l))));
        Assert.Equal(["before", "after", "last"], logs[0]);
        Assert.Equal(["before", "after"], logs[1].Take(2));
        Assert.Empty(logs[2]);

        // The handshake's origin carries the transport's protocol ("ssl.tcp"), not Akka's.
        var seen = await refusal.Task.WaitAsync(Ceiling);
        Assert.Equal("CN=node-3", seen.Peer);
        Assert.Equal($"node 1 of 'paxos' claims to be ssl.tcp://paxos@127.0.0.1:{cluster.Port(3)}", seen.Reason);
    }

    [Fact]
    public async Task A_trusted_client_certificate_reaches_a_group_but_cannot_speak_as_a_node()
    {
        await using var cluster = await StartAsync();
        using var refused = CounterProbe.For(cluster, "paxos.tls.refused");
        var client = cluster.Certificates!.Client("paxos", "tester");
        using (var good = Peer("client", Free(), cluster.TlsConfig("client", client)))
        {
            var group = good.ActorSelection(cluster.Address(1) + $"/user/paxos/group-{Group}");
            Assert.IsType<ProposeResult>(await group.Ask<object>(new Propose("from a client"), Ceiling));
        }

        // The same certificate on node 3's address, node 3 stopped: every node refuses it.
        var status = (await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 1))[0];
        await cluster.CrashAsync(3);
        using var impostor = Peer(LocalNodeConfig.SystemName, cluster.Port(3), cluster.TlsConfig("client", client));
        Forge(impostor, cluster, status, "akka.ssl.tcp", only: [1, 2]);
        await refused.WaitAsync(c => c["paxos.tls.refused"] >= 2, Ceiling);

        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "after", Ceiling));
        await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 2);
        var logs = new[] { 1, 2 }.Select(n => cluster.StateMachine<RecordingStateMachine>(n).Log.Select(e => e.Command).ToList()).ToList();
        Assert.All(logs, l => Assert.Equal(["from a client", "after"], l));
    }

    private static Task<PaxosTestCluster> StartAsync() => PaxosTestCluster.StartAsync(Options());

    private static PaxosTestClusterOptions Options() => new()
    {
        Nodes = 3,
        Tls = true,
        Groups = [Group],
        StateMachines = (_, _) => [new RecordingStateMachine()],
        ExtraConfig = "akka.loglevel = ERROR\nakka.remote.log-remote-lifecycle-events = off\npaxos-actors.proposer { prepare-timeout = 300ms, accept-timeout = 300ms }",
    };

    private static int Free() => LocalNodeConfig.FreePorts(1)[1];

    private static ActorSystem Peer(string name, int port, string tls) => PaxosActorSystem.Create(name, ConfigurationFactory.ParseString($$"""
        akka.loglevel = OFF
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{port}} }
        {{tls}}
        """).WithFallback(PaxosExtension.DefaultConfig));

    /// <summary>A Prepare and an Accept of a forged value at a huge ballot in node 2's name, and a hand-over, to every node's group.</summary>
    private static void Forge(ActorSystem from, PaxosTestCluster cluster, GroupStatus status, string protocol, int[]? only = null)
    {
        var two = new NodeId(2);
        var ballot = new Ballot(1L << 40, two);
        var impostor = from.ActorOf(Props.Empty, "node-2");
        foreach (var node in only ?? [.. cluster.Nodes])
        {
            var group = from.ActorSelection($"{protocol}://{LocalNodeConfig.SystemName}@127.0.0.1:{cluster.Port(node)}/user/paxos/group-{Group}");
            group.Tell(new PaxosEnvelope(Group, new Prepare(status.Executed, two, ballot)) { ClusterId = "paxos" }, impostor);
            group.Tell(new PaxosEnvelope(Group, new Accept(status.Executed, two, ballot, "forged"u8.ToArray(), status.LastChecksum)) { ClusterId = "paxos" }, impostor);
            group.Tell(new ForwardedCommands(Group, two, "forged"u8.ToArray()) { ClusterId = "paxos" }, impostor);
        }
    }

    /// <summary>The next proposal runs, and every node ran only what clients proposed: a forged value taken anywhere would have been adopted.</summary>
    private async Task AssertOnlyClientCommandsRanAsync(PaxosTestCluster cluster)
    {
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "after", Ceiling));
        var statuses = await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 2);
        output.WriteLine(string.Join(", ", statuses.Select(s => $"node {s.NodeId} executed {s.Executed}")));
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(["before", "after"], cluster.StateMachine<RecordingStateMachine>(node).Log.Select(e => e.Command));
        }
    }

    private sealed class FirstRefusal : ReceiveActor
    {
        public FirstRefusal(TaskCompletionSource<PeerRefused> first) => Receive<PeerRefused>(e => first.TrySetResult(e));
    }
}
