using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using PaxosActors.TestKit;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Remoting;

/// <summary>
/// <see cref="PaxosActors.Remoting.StreamTransport"/>, over TCP and TLS: frames of every size
/// cross intact, whatever TLS records and socket reads cut them into; a peer that announces a
/// frame over the limit loses its connection, and nothing else happens; and a node on Akka's
/// DotNetty transport runs in the same cluster as nodes on this one.
/// </summary>
public sealed class StreamTransportTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Values_of_every_size_up_to_the_limit_reach_every_node_intact(bool tls)
    {
        await using var cluster = await StartAsync(tls);

        // Around a TLS record (16 KiB), the reader's first buffer (64 KiB), and max-value-size.
        int[] sizes = [1, 4_000, 16_370, 16_400, 40_000, 60_000, 64_000];
        for (var i = 0; i < sizes.Length; i++)
        {
            var value = new string((char)('a' + i), sizes[i]);
            Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1 + (i % 3), value, Ceiling));
        }

        await cluster.AwaitConvergenceAsync(Ceiling, atLeast: sizes.Length);
        var logs = cluster.Nodes.Select(n => cluster.StateMachine<RecordingStateMachine>(n).Log.Select(e => (string)e.Command).ToList()).ToList();
        Assert.All(logs, log => Assert.Equal(sizes, log.Select(c => c.Length)));
        Assert.All(logs, log => Assert.Equal(logs[0], log));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_frame_over_the_limit_closes_that_connection_and_nothing_else(bool tls)
    {
        await using var cluster = await StartAsync(tls);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", cluster.Port(1));
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        if (tls)
        {
            var certificate = cluster.Certificates!.Client("paxos", "oversized");
            var secure = new SslStream(stream);
            await secure.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "127.0.0.1",
                LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate,
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            });
            stream = secure;
        }

        await using var _ = stream;

        var header = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(header, 10_000_000);
        await stream.WriteAsync(header);
        await stream.WriteAsync(new byte[1000]);

        // The node closes the connection: the read ends (0 bytes, or a reset).
        var read = 0;
        try
        {
            read = await stream.ReadAsync(new byte[16]).AsTask().WaitAsync(Ceiling);
        }
        catch (IOException)
        {
        }

        Assert.Equal(0, read);
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "after", Ceiling));
        await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 1);
    }

    [Fact]
    public async Task A_node_on_akkas_dotnetty_transport_runs_in_one_cluster_with_nodes_on_this_one()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (_, _) => [new RecordingStateMachine()],
            NodeConfig = node => node == 3 ? "paxos-actors.transport = akka" : string.Empty,
            ExtraConfig = "akka.loglevel = OFF",
        });
        Assert.Equal("Akka.Remote.Transport.DotNetty.TcpTransport", TransportOf(cluster, 3).FullName);
        Assert.Equal(typeof(PaxosActors.Remoting.StreamTransport), TransportOf(cluster, 1));

        var replies = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => cluster.ProposeAsync(1 + (i % 3), $"c{i}", Ceiling)));
        output.WriteLine($"{replies.Count(r => r is ProposeResult)} of 300 ran");
        Assert.All(replies, r => Assert.IsType<ProposeResult>(r));
        await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 1);
        var logs = cluster.Nodes.Select(n => cluster.StateMachine<RecordingStateMachine>(n).Log.Select(e => (string)e.Command).ToList()).ToList();
        Assert.All(logs, log => Assert.Equal(logs[0], log));
        Assert.Equal(300, logs[0].Distinct().Count());
    }

    /// <summary>The transport class Akka.Remote runs under node <paramref name="node"/>'s system, below its adapters.</summary>
    private static Type TransportOf(PaxosTestCluster cluster, int node)
    {
        var remoting = (Akka.Remote.RemoteActorRefProvider)((ExtendedActorSystem)cluster.System(node)).Provider;
        var config = remoting.RemoteSettings.Transports.Single();
        return Type.GetType(config.TransportClass)!;
    }

    private static Task<PaxosTestCluster> StartAsync(bool tls) => PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
    {
        Nodes = 3,
        Tls = tls,
        StateMachines = (_, _) => [new RecordingStateMachine()],
        ExtraConfig = "akka.loglevel = OFF",
    });
}
