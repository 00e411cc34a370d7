using System.Net;
using System.Net.Sockets;
using PaxosActors.TestKit;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Security;

/// <summary>
/// An outbound TLS handshake that fails (the peer crashed after the kernel accepted the
/// connection, or something that does not speak TLS answers on its port) fails that association
/// and nothing more. Akka.Remote's own DotNetty transport runs CoordinatedShutdown here and
/// stops the whole node; with it these tests go red.
/// </summary>
public sealed class FailedHandshakeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    public enum Answer
    {
        /// <summary>Accepts and closes at once: a node dying between accept and handshake.</summary>
        Close,

        /// <summary>Accepts and answers the client hello with bytes that are not TLS.</summary>
        Garbage,
    }

    [Theory]
    [InlineData(Answer.Close)]
    [InlineData(Answer.Garbage)]
    public async Task A_peer_that_fails_the_handshake_stops_no_node(Answer answer)
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            Tls = true,
            StateMachines = (_, _) => [new RecordingStateMachine()],
            // A failed association is retried after the gate opens again: soon, so the test is short.
            ExtraConfig = "akka.loglevel = OFF\nakka.remote.retry-gate-closed-for = 200ms\npaxos-actors.proposer { prepare-timeout = 300ms, accept-timeout = 300ms }",
        });
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "before", Ceiling));
        await cluster.CrashAsync(3);

        using var impostor = new Impostor(cluster.Port(3), answer);
        var i = 0;
        await Eventually.HoldsAsync(
            async () =>
            {
                var through = 1 + (i % 2);
                var reply = await ProposeAsync(cluster, through, $"p{i}");
                Assert.True(reply is ProposeResult, $"p{i} through node {through}: {reply}");
                return ++i >= 10 && impostor.Accepted >= 4;
            },
            Ceiling,
            () => $"node 3's port to see 4 connections; it saw {impostor.Accepted}");

        // Handshakes go on failing: CoordinatedShutdown, had it been run after the first ones,
        // would have ended a system by the time two more have failed.
        var seen = impostor.Accepted;
        await Eventually.HoldsAsync(() => impostor.Accepted >= seen + 2, Ceiling, () => $"two more connections after {seen}");
        output.WriteLine($"node 3's port accepted {impostor.Accepted} connections");
        Assert.All(new[] { 1, 2 }, n => Assert.False(cluster.System(n).WhenTerminated.IsCompleted, $"node {n} stopped"));
        Assert.IsType<ProposeResult>(await ProposeAsync(cluster, 2, "after"));
    }

    private static async Task<ProposeReply> ProposeAsync(PaxosTestCluster cluster, int node, string command)
    {
        var reply = await cluster.ProposeAsync(node, command, Ceiling);
        if (reply is ProposeFailed { Reason: ProposeFailureReason.Timeout })
        {
            var stopped = new[] { 1, 2 }.Where(n => cluster.System(n).WhenTerminated.IsCompleted);
            throw new Xunit.Sdk.XunitException($"No answer to {command} through node {node}; stopped: [{string.Join(", ", stopped)}]");
        }

        return reply;
    }

    /// <summary>Listens on a crashed node's port and fails every TLS handshake made to it.</summary>
    private sealed class Impostor : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private int _accepted;

        public Impostor(int port, Answer answer)
        {
            _listener = new TcpListener(IPAddress.Loopback, port);
            _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Start();
            _ = Task.Run(() => ServeAsync(answer));
        }

        public int Accepted => Volatile.Read(ref _accepted);

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }

        private async Task ServeAsync(Answer answer)
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }

                using (socket)
                {
                    try
                    {
                        if (answer == Answer.Garbage)
                        {
                            await socket.ReceiveAsync(new byte[1024], SocketFlags.None, _stop.Token);
                            await socket.SendAsync("HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray(), SocketFlags.None, _stop.Token);
                        }
                    }
                    catch (Exception e) when (e is OperationCanceledException or SocketException)
                    {
                    }
                }

                Interlocked.Increment(ref _accepted);
            }
        }
    }
}
