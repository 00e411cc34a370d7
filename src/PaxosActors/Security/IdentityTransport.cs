using System.Text;
using Akka.Actor;
using Akka.Event;
using Akka.Remote.Transport;
using PaxosActors.Core;
using PaxosActors.Hosting;

namespace PaxosActors.Security;

/// <summary>A connection refused for what its TLS certificate does or does not allow: published on the event stream.</summary>
/// <param name="Remote">The peer's address as the transport knows it.</param>
/// <param name="Peer">The certificate's subject, or "none".</param>
/// <param name="Reason">Why, in a sentence.</param>
public sealed record PeerRefused(string Remote, string Peer, string Reason);

/// <summary>
/// Wraps Akka.Remote's TCP transport (an adapter named in <c>akka.remote.dot-netty.tcp.applied-adapters</c>)
/// and holds every frame that arrives on a connection to the certificate its peer showed: a
/// connection whose handshake was refused carries nothing, and a frame that claims, as its
/// handshake origin or in its sender's path, the address of node N is let through only from
/// node N's certificate. The rest of the stack (GroupActor) checks that a message's NodeId is
/// its sender address's, so together a message claims only the NodeId of its certificate.
/// </summary>
internal sealed class IdentityTransport : Transport
{
    private readonly Transport _wrapped;
    private readonly ILoggingAdapter _log;
    private readonly Dictionary<string, NodeId> _nodeAt;

    public IdentityTransport(Transport wrapped, PeerCertificates peers, ActorSystem system)
    {
        _wrapped = wrapped;
        Peers = peers;
        System = system;
        Config = wrapped.Config;
        _log = Logging.GetLogger(system, typeof(IdentityTransport));
        _nodeAt = peers.Settings.Nodes.ToDictionary(n => Where(n.Value), n => n.Key);
        peers.Refused += (remote, verdict) => Refuse(remote, verdict, verdict.Refusal!);
    }

    public PeerCertificates Peers { get; }

    public override string SchemeIdentifier => _wrapped.SchemeIdentifier;

    public override long MaximumPayloadBytes => _wrapped.MaximumPayloadBytes;

    public override async Task<(Address, TaskCompletionSource<IAssociationEventListener>)> Listen()
    {
        var (address, below) = await _wrapped.Listen().ConfigureAwait(false);
        var above = new TaskCompletionSource<IAssociationEventListener>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = above.Task.ContinueWith(t => below.TrySetResult(new InboundListener(t.Result, this)), TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously);
        return (address, above);
    }

    public override async Task<AssociationHandle> Associate(Address remoteAddress) =>
        new CheckedHandle(await _wrapped.Associate(remoteAddress).ConfigureAwait(false), this, remoteAddress);

    public override bool IsResponsibleFor(Address remote) => _wrapped.IsResponsibleFor(remote);

    public override Task<bool> Shutdown() => _wrapped.Shutdown();

    public override Task<bool> ManagementCommand(object message) => _wrapped.ManagementCommand(message);

    /// <summary>Whether a peer whose certificate names <paramref name="identity"/> may send as <paramref name="address"/>.</summary>
    internal bool MaySpeakAs(PeerIdentity? identity, Address address) =>
        !Peers.Settings.BindIdentity || !_nodeAt.TryGetValue(Where(address), out var node) || identity?.Node == node;

    // A node is known by system, host and port: a claim that differs from its address only in
    // the protocol or the host's case still names it, and is held to its certificate. (A
    // handshake's origin carries the transport's protocol, "ssl.tcp", where the node's address
    // says "akka.ssl.tcp": an exact comparison would let every origin claim through.)
    private static string Where(Address a) => $"{a.System}@{a.Host?.ToLowerInvariant()}:{a.Port}";

    internal void Refuse(string remote, PeerVerdict? verdict, string reason)
    {
        _log.Warning("Refused the connection with {0} ({1}): {2}", remote, verdict?.Subject ?? "no certificate", reason);
        NodeMetrics.For(System).Count("tls.refused");
        System.EventStream.Publish(new PeerRefused(remote, verdict?.Subject ?? "none", reason));
    }

    private sealed class InboundListener(IAssociationEventListener above, IdentityTransport transport) : IAssociationEventListener
    {
        public void Notify(IAssociationEvent ev) =>
            above.Notify(ev is InboundAssociation inbound ? new InboundAssociation(new CheckedHandle(inbound.Association, transport, dialed: null)) : ev);
    }

    /// <summary>A connection whose inbound frames are checked against its peer's certificate.</summary>
    private sealed class CheckedHandle : AssociationHandle, IHandleEventListener
    {
        private readonly AssociationHandle _wrapped;
        private readonly IdentityTransport _transport;
        private readonly Address? _dialed;
        private IHandleEventListener? _above;
        private PeerVerdict? _verdict;
        private byte[] _allowedSender = [];
        private volatile bool _refused;

        public CheckedHandle(AssociationHandle wrapped, IdentityTransport transport, Address? dialed)
            : base(wrapped.LocalAddress, wrapped.RemoteAddress)
        {
            _wrapped = wrapped;
            _transport = transport;
            _dialed = dialed;
            ReadHandlerSource = new TaskCompletionSource<IHandleEventListener>(TaskCreationOptions.RunContinuationsAsynchronously);
            _ = ReadHandlerSource.Task.ContinueWith(
                t =>
                {
                    _above = t.Result;
                    wrapped.ReadHandlerSource.TrySetResult(this);
                },
                TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously);
        }

        public override bool Write(Google.Protobuf.ByteString payload) => !_refused && _wrapped.Write(payload);

        [Obsolete("Akka.Remote calls it; others call Disassociate(reason, log).")]
        public override void Disassociate() => _wrapped.Disassociate("closed above the identity transport", _transport._log);

        public void Notify(IHandleEvent ev)
        {
            if (ev is InboundPayload payload)
            {
                if (_refused)
                {
                    return;
                }

                if (Check(payload.Payload.Span) is { } reason)
                {
                    _refused = true;
                    _transport.Refuse(RemoteAddress.ToString(), _verdict, reason);
                    _wrapped.Disassociate("refused by the identity transport: " + reason, _transport._log);
                    return;
                }
            }
            else if (ev is Disassociated && _dialed is null)
            {
                _transport.Peers.Forget(RemoteAddress);
            }

            _above!.Notify(ev);
        }

        /// <summary>Null when the frame may pass; else why the connection is refused.</summary>
        private string? Check(ReadOnlySpan<byte> frame)
        {
            _verdict ??= _transport.Peers.VerdictFor(_dialed ?? RemoteAddress, outbound: _dialed is not null);
            if (_verdict is null)
            {
                return "no TLS handshake judged this connection";
            }

            if (_verdict.Refusal is { } refusal)
            {
                return refusal;
            }

            if (!_transport.Peers.Settings.BindIdentity)
            {
                return null;
            }

            if (!AkkaPdu.TryRead(frame, out var claims))
            {
                return "a frame that is not a well-formed Akka.Remote message";
            }

            if (claims.Origin is { } origin && !_transport.MaySpeakAs(_verdict.Identity, origin))
            {
                return $"{_verdict.Identity?.ToString() ?? "a peer"} claims to be {origin}";
            }

            var path = frame[claims.SenderPath];
            var sender = AkkaPdu.AddressPart(path);
            if (sender.IsEmpty || sender.SequenceEqual(_allowedSender))
            {
                return null;
            }

            // Parsed as Akka.Remote parses it (a port written "09001" is port 9001); only a
            // sender address that parsed and passed is remembered, so the next frames from it
            // cost a comparison.
            if (ActorPath.TryParse(Encoding.UTF8.GetString(path), out var actorPath))
            {
                if (!_transport.MaySpeakAs(_verdict.Identity, actorPath.Address))
                {
                    return $"{_verdict.Identity?.ToString() ?? "a peer"} sends as {actorPath.Address}";
                }

                _allowedSender = sender.ToArray();
            }

            return null;
        }
    }
}

/// <summary>Creates the <see cref="IdentityTransport"/> for a system set up by <see cref="PaxosActorSystem"/>.</summary>
public sealed class IdentityTransportProvider : ITransportAdapterProvider
{
    public const string Name = "paxos-identity";

    public Transport Create(Transport wrappedTransport, ExtendedActorSystem system) =>
        new IdentityTransport(
            wrappedTransport,
            (system.Settings.Setup.Get<PaxosTlsSetup>() is { HasValue: true } setup ? setup.Value.Peers : null) ?? throw new InvalidOperationException($"The {Name} transport adapter needs the actor system to be created by PaxosActorSystem.Create (or with PaxosActorSystem.Setup)."),
            system);
}
