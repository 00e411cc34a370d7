using System.Collections.Immutable;
using Akka.Actor;
using PaxosActors.Core;
using PaxosActors.Hosting;
using PaxosActors.Messages;

namespace PaxosActors.Actors;

/// <summary>
/// Sends a group's Paxos messages to the same group on other nodes, addressed by node id. The
/// local node is reached without serialization; peers through Akka.Remote. Every message leaves
/// with the local GroupActor as its sender: the receiver checks that the sender's address is
/// the one its address book holds for the node the message claims to come from.
/// <para>
/// The address book starts as the configured <c>nodes</c> and takes the addresses the group's
/// log gives (<see cref="SystemState"/>) as membership changes are applied: the log wins. Only
/// the GroupActor changes it; the proposer and learner read it from their own threads, so it
/// is one immutable map swapped whole.
/// </para>
/// </summary>
internal sealed class PeerRouter
{
    private readonly string _group;
    private readonly string _peerPath = PaxosGuardian.Path;
    private readonly IActorRef _localGroup;
    private readonly ExtendedActorSystem? _system;
    private readonly ILinkFaults? _faults;
    private volatile Book _book;

    /// <summary>A router to fixed peers, without faults or address book changes (for tests of one role).</summary>
    public PeerRouter(string group, NodeId self, IActorRef localGroup, IReadOnlyDictionary<NodeId, ICanTell> peers)
    {
        _group = group;
        Self = self;
        _localGroup = localGroup;
        ClusterId = string.Empty;
        _book = new Book(ImmutableDictionary<NodeId, Address>.Empty, peers.ToImmutableDictionary());
    }

    private PeerRouter(string group, NodeId self, IActorRef localGroup, ExtendedActorSystem system, IReadOnlyDictionary<NodeId, Address> addresses, string clusterId, string peerPath)
    {
        _group = group;
        _peerPath = peerPath;
        Self = self;
        _localGroup = localGroup;
        _system = system;
        _faults = LinkFaultsRegistry.For(system);
        ClusterId = clusterId;
        _book = BookOf(addresses);
    }

    public NodeId Self { get; }

    public string ClusterId { get; }

    public string Group => _group;

    /// <summary>Every node's address as this node knows it now.</summary>
    public IReadOnlyDictionary<NodeId, Address> Addresses => _book.Addresses;

    public static string GroupActorName(string group) => "group-" + group;

    public static PeerRouter Create(ExtendedActorSystem system, PaxosSettings settings, GroupSettings group, IActorRef localGroup) =>
        new(group.Name, settings.NodeId, localGroup, system, settings.Nodes, settings.ClusterId, settings.PeerGuardianPath);

    /// <summary>The configured addresses overlaid with the ones the log gives: what the book becomes for <paramref name="state"/>.</summary>
    public static IReadOnlyDictionary<NodeId, Address> Overlay(IReadOnlyDictionary<NodeId, Address> configured, SystemState state)
    {
        var book = configured.ToDictionary();
        foreach (var (node, address) in state.Departed)
        {
            if (address is not null && Address.TryParse(address, out var parsed))
            {
                book[node] = parsed;
            }
        }

        foreach (var (node, info) in state.Nodes)
        {
            if (info.Address is not null && Address.TryParse(info.Address, out var address))
            {
                book[node] = address;
            }
        }

        return book;
    }

    /// <summary>Replaces the address book (the GroupActor only, after a membership change).</summary>
    public void Update(IReadOnlyDictionary<NodeId, Address> addresses)
    {
        var current = _book.Addresses;
        if (_system is not null && (addresses.Count != current.Count || addresses.Any(a => !current.TryGetValue(a.Key, out var known) || !known.Equals(a.Value))))
        {
            _book = BookOf(addresses);
        }
    }

    /// <summary>The node whose address is <paramref name="address"/>, or null.</summary>
    public NodeId? NodeAt(Address address)
    {
        foreach (var (node, known) in _book.Addresses)
        {
            if (known.Equals(address))
            {
                return node;
            }
        }

        return null;
    }

    public void Send(Send send) => SendTo(send.To, new PaxosEnvelope(_group, send.Message) { ClusterId = ClusterId });

    /// <summary>Any wire message to the group's actor on node <paramref name="to"/>, through the same faults as Paxos messages.</summary>
    public void SendTo(NodeId to, IPaxosWireMessage envelope)
    {
        if (to == Self)
        {
            _localGroup.Tell(envelope, _localGroup);
        }
        else if (_book.Peers.TryGetValue(to, out var peer))
        {
            if (_faults is null)
            {
                peer.Tell(envelope, _localGroup);
                return;
            }

            foreach (var delay in _faults.Decide(Self, to))
            {
                if (delay <= TimeSpan.Zero)
                {
                    peer.Tell(envelope, _localGroup);
                }
                else
                {
                    _system!.Scheduler.ScheduleTellOnce(delay, peer, envelope, _localGroup);
                }
            }
        }
    }

    private Book BookOf(IReadOnlyDictionary<NodeId, Address> addresses)
    {
        var peers = ImmutableDictionary.CreateBuilder<NodeId, ICanTell>();
        foreach (var (node, address) in addresses.Where(a => a.Key != Self))
        {
            peers[node] = PeerGroup(address);
        }

        return new Book(addresses.ToImmutableDictionary(), peers.ToImmutable());
    }

    /// <summary>
    /// The group's actor on the node at <paramref name="address"/>, as a remote actor reference
    /// made from its path alone (no message is sent to make it). A reference without a UID
    /// reaches whatever actor holds the path when a message arrives, as an actor selection does,
    /// so a peer's group that restarts is still reached; a path that holds no actor there sends
    /// the message to that node's dead letters, again as a selection would. Unlike a selection,
    /// a message to it goes in one envelope, without Akka's selection wrapper around it and
    /// without the path walked anew for every message: at 64 clients and 8 groups that was
    /// 10–20 % of the CPU per command (docs/benchmarks.md).
    /// </summary>
    private IActorRef PeerGroup(Address address) =>
        _system!.Provider.ResolveActorRef(ActorPath.Parse($"{address}{_peerPath}/{GroupActorName(_group)}"));

    private sealed record Book(ImmutableDictionary<NodeId, Address> Addresses, ImmutableDictionary<NodeId, ICanTell> Peers);
}
