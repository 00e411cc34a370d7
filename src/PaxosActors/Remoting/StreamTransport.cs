using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport;
using PaxosActors.Security;

namespace PaxosActors.Remoting;

/// <summary>
/// Akka.Remote's TCP transport on <see cref="Socket"/>, with mutual TLS on <see cref="SslStream"/>
/// when the system was set up with <see cref="PaxosTlsSetup"/> (scheme <c>ssl.tcp</c>; else
/// <c>tcp</c>). Each connection has one loop that writes every frame queued so far in one write,
/// and one that reads: no event loops of its own, and no thread hops beyond the thread pool's.
/// <para>
/// It replaces Akka's DotNetty transport. DotNetty's TLS runs CoordinatedShutdown, stopping the
/// whole node, whenever an outbound handshake fails: a peer that crashes between accepting a
/// connection and finishing the handshake took its peers down with it. Here a failed handshake
/// fails that one association, which Akka.Remote gates and retries like a refused connection.
/// And it spends less CPU per message than DotNetty (docs/benchmarks.md).
/// </para>
/// <para>
/// Frames are those of Akka's DotNetty transport (a 4-byte length in <c>byte-order</c>, then the
/// payload), so a node on either transport talks to a node on the other, and it reads its
/// settings from the same section (<c>akka.remote.dot-netty.tcp</c>): <c>hostname</c>,
/// <c>port</c>, <c>public-hostname</c>, <c>public-port</c>, <c>maximum-frame-size</c>,
/// <c>connection-timeout</c>, <c>byte-order</c>, <c>tcp-keepalive</c>, <c>tcp-reuse-addr</c>,
/// <c>send-buffer-size</c>, <c>receive-buffer-size</c>, <c>backlog</c>. With TLS, each peer's
/// certificate is judged by <see cref="PeerCertificates"/>.
/// </para>
/// </summary>
public sealed class StreamTransport : Transport
{
    private readonly PeerCertificates? _peers;
    private readonly ILoggingAdapter _log;
    private readonly ConcurrentDictionary<StreamConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _hostname;
    private readonly int _port;
    private readonly string? _publicHostname;
    private readonly int? _publicPort;
    private readonly TimeSpan _connectTimeout;
    private readonly bool _keepAlive;
    private readonly int _backlog;
    private readonly bool _reuseAddress;
    private readonly int? _sendBuffer;
    private readonly int? _receiveBuffer;
    private Socket? _listener;
    private Address? _localAddress;

    /// <summary>Called by Akka.Remote with the transport's section of <c>akka.remote</c>.</summary>
    public StreamTransport(ActorSystem system, Config config)
    {
        System = system;
        Config = config;
        _peers = system.Settings.Setup.Get<PaxosTlsSetup>() is { HasValue: true } setup ? setup.Value.Peers : null;
        _log = Logging.GetLogger(system, typeof(StreamTransport));
        SchemeIdentifier = _peers is null ? "tcp" : "ssl.tcp";
        MaximumPayloadBytes = config.GetByteSize("maximum-frame-size", 128_000) ?? 128_000;
        _hostname = config.GetString("hostname", string.Empty) is { Length: > 0 } host ? host : "0.0.0.0";
        _port = config.GetInt("port", 2552);
        _publicHostname = config.GetString("public-hostname", string.Empty) is { Length: > 0 } ph ? ph : null;
        _publicPort = config.GetInt("public-port", 0) is > 0 and var pp ? pp : null;
        _connectTimeout = config.GetTimeSpan("connection-timeout", TimeSpan.FromSeconds(15));
        _keepAlive = config.GetBoolean("tcp-keepalive", true);
        _backlog = config.GetInt("backlog", 4096);
        _reuseAddress = config.GetString("tcp-reuse-addr", "off-for-windows") switch
        {
            "off-for-windows" => !OperatingSystem.IsWindows(),
            var other => config.GetBoolean("tcp-reuse-addr", false) || other is "on" or "true" or "yes",
        };
        _sendBuffer = BufferSize(config, "send-buffer-size");
        _receiveBuffer = BufferSize(config, "receive-buffer-size");
        BigEndian = string.Equals(config.GetString("byte-order", "little-endian"), "big-endian", StringComparison.OrdinalIgnoreCase);
    }

    internal bool BigEndian { get; }

    internal ILoggingAdapter Log => _log;

    public override bool IsResponsibleFor(Address remote) => true;

    public override async Task<(Address, TaskCompletionSource<IAssociationEventListener>)> Listen()
    {
        var ip = await ResolveAsync(_hostname).ConfigureAwait(false);
        var listener = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // A node restarted on its port finds the connections of its last life in TIME_WAIT.
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, _reuseAddress);
            listener.Bind(new IPEndPoint(ip, _port));
            listener.Listen(_backlog);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        var bound = (IPEndPoint)listener.LocalEndPoint!;
        // Bound to every interface, a node is reached by its machine's name (as DotNetty's transport does).
        var advertised = _publicHostname ?? (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any) ? Dns.GetHostName() : HostOf(bound.Address));
        _localAddress = new Address(SchemeIdentifier, System.Name, advertised, _publicPort ?? bound.Port);
        var promise = new TaskCompletionSource<IAssociationEventListener>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = AcceptLoopAsync(listener, promise.Task);
        return (_localAddress, promise);
    }

    public override async Task<AssociationHandle> Associate(Address remoteAddress)
    {
        var local = _localAddress ?? throw new InvalidOperationException("The transport is not listening.");
        if (remoteAddress.Host is not { } host || remoteAddress.Port is not { } port)
        {
            throw new InvalidAssociationException($"{remoteAddress} names no host and port.");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(_connectTimeout);
        Socket? socket = null;
        Stream? stream = null;
        try
        {
            var ip = await ResolveAsync(host).ConfigureAwait(false);
            socket = NewSocket(ip.AddressFamily);
            await socket.ConnectAsync(new IPEndPoint(ip, port), timeout.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (_peers is { } peers)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                var dialed = remoteAddress.ToString();
                await tls.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = host,
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                        LocalCertificateSelectionCallback = (_, _, _, _, _) => peers.Settings.Certificate,
                        RemoteCertificateValidationCallback = (_, certificate, chain, errors) => peers.Validate(AsCertificate2(certificate), chain, dialed, errors, _log),
                    },
                    timeout.Token).ConfigureAwait(false);
            }

            return Track(new StreamConnection(this, stream, socket, local, remoteAddress));
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            socket?.Dispose();
            var why = e is OperationCanceledException ? $"no connection within {_connectTimeout}" : e.Message;
            throw new InvalidAssociationException($"Could not associate with {remoteAddress}{(_peers is null ? string.Empty : " over TLS")}: {why}", e);
        }
    }

    public override Task<bool> Shutdown()
    {
        _stopping.Cancel();
        _listener?.Dispose();
        foreach (var connection in _connections.Keys)
        {
            connection.Close();
        }

        return Task.FromResult(true);
    }

    internal void Forget(StreamConnection connection) => _connections.TryRemove(connection, out _);

    private StreamConnection Track(StreamConnection connection)
    {
        _connections[connection] = 0;
        if (_stopping.IsCancellationRequested)
        {
            connection.Close();
        }

        return connection;
    }

    private async Task AcceptLoopAsync(Socket listener, Task<IAssociationEventListener> listenerReady)
    {
        var events = await listenerReady.ConfigureAwait(false);
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                _log.Warning("Accepting a connection failed: {0}", e.Message);
                continue;
            }

            _ = AcceptAsync(socket, events);
        }
    }

    private async Task AcceptAsync(Socket socket, IAssociationEventListener events)
    {
        var peer = socket.RemoteEndPoint as IPEndPoint;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(_connectTimeout);
        try
        {
            Configure(socket);
            if (_peers is { } peers)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                var remotePeer = peer?.ToString() ?? "unknown";
                await tls.AuthenticateAsServerAsync(
                    new SslServerAuthenticationOptions
                    {
                        ServerCertificate = peers.Settings.Certificate,
                        ClientCertificateRequired = true,
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                        RemoteCertificateValidationCallback = (_, certificate, chain, errors) => peers.Validate(AsCertificate2(certificate), chain, remotePeer, errors, _log),
                    },
                    timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            // A certificate refused by PeerCertificates was already logged and published there.
            _log.Debug("Inbound connection from {0} failed before it carried anything: {1}", peer, e.Message);
            await stream.DisposeAsync().ConfigureAwait(false);
            return;
        }

        var remote = new Address(SchemeIdentifier, System.Name, peer is null ? "unknown" : HostOf(peer.Address), peer?.Port);
        events.Notify(new InboundAssociation(Track(new StreamConnection(this, stream, socket, _localAddress!, remote))));
    }

    private Socket NewSocket(AddressFamily family)
    {
        var socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        Configure(socket);
        return socket;
    }

    private void Configure(Socket socket)
    {
        socket.NoDelay = true;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, _keepAlive);
        if (_sendBuffer is { } send)
        {
            socket.SendBufferSize = send;
        }

        if (_receiveBuffer is { } receive)
        {
            socket.ReceiveBufferSize = receive;
        }
    }

    private static int? BufferSize(Config config, string key) =>
        config.GetByteSize(key, null) is > 0 and <= int.MaxValue and var size ? (int)size : null;

    private static async Task<IPAddress> ResolveAsync(string host)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip))
        {
            return ip;
        }

        var all = await Dns.GetHostAddressesAsync(host).ConfigureAwait(false);
        return all.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? all.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
    }

    private static string HostOf(IPAddress ip) => (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString();

    private static X509Certificate2? AsCertificate2(X509Certificate? certificate) =>
        certificate as X509Certificate2 ?? (certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
}
