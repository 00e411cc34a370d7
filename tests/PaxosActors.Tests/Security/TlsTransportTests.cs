using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using PaxosActors.TestKit;

namespace PaxosActors.Tests.Security;

/// <summary>
/// The framing of <see cref="PaxosActors.Security.TlsTransport"/>: frames of every size cross
/// intact, whatever TLS records and socket reads cut them into, and a peer that announces a
/// frame over the limit loses its connection, and nothing else happens.
/// </summary>
public sealed class TlsTransportTests
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Values_of_every_size_up_to_the_limit_reach_every_node_intact()
    {
        await using var cluster = await StartAsync();

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

    [Fact]
    public async Task A_frame_over_the_limit_closes_that_connection_and_nothing_else()
    {
        await using var cluster = await StartAsync();
        var certificate = cluster.Certificates!.Client("paxos", "oversized");
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", cluster.Port(1));
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        });

        var header = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(header, 10_000_000);
        await tls.WriteAsync(header);
        await tls.WriteAsync(new byte[1000]);

        // The node closes the connection: the read ends (0 bytes, or a reset).
        var read = 0;
        try
        {
            read = await tls.ReadAsync(new byte[16]).AsTask().WaitAsync(Ceiling);
        }
        catch (IOException)
        {
        }

        Assert.Equal(0, read);
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "after", Ceiling));
        await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 1);
    }

    private static Task<PaxosTestCluster> StartAsync() => PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
    {
        Nodes = 3,
        Tls = true,
        StateMachines = (_, _) => [new RecordingStateMachine()],
        ExtraConfig = "akka.loglevel = OFF",
    });
}
