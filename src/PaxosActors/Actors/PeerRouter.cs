using Akka.Actor;
using PaxosActors.Core;
using PaxosActors.Hosting;
using PaxosActors.Messages;

namespace PaxosActors.Actors;

/// <summary>
/// Sends a group's Paxos messages to the same group on other nodes, addressed by node id. The
/// local node is reached without serialization; peers through Akka.Remote. Every message leaves
/// with the local GroupActor as its sender: the receiver checks that the sender's address is
/// the one configured for the node the message claims to come from.
/// </summary>
internal sealed class PeerRouter(string group, NodeId self, IActorRef localGroup, IReadOnlyDictionary<NodeId, ICanTell> peers, ILinkFaults? faults = null, IScheduler? scheduler = null, string clusterId = "")
{
    public NodeId Self => self;

    public static string GroupActorName(string group) => "group-" + group;

    public static PeerRouter Create(IActorContext context, PaxosSettings settings, GroupSettings group, IActorRef localGroup)
    {
        var peers = new Dictionary<NodeId, ICanTell>();
        foreach (var member in group.Members.Concat(group.Followers.Keys).Where(m => m != settings.NodeId))
        {
            var path = $"{settings.Nodes[member]}/user/{PaxosGuardian.Name}/{GroupActorName(group.Name)}";
            peers[member] = context.ActorSelection(path);
        }

        return new PeerRouter(group.Name, settings.NodeId, localGroup, peers, LinkFaultsRegistry.For(context.System), context.System.Scheduler, settings.ClusterId);
    }

    public string ClusterId => clusterId;

    public string Group => group;

    public void Send(Send send) => SendTo(send.To, new PaxosEnvelope(group, send.Message) { ClusterId = clusterId });

    /// <summary>Any wire message to the group's actor on node <paramref name="to"/>, through the same faults as Paxos messages.</summary>
    public void SendTo(NodeId to, IPaxosWireMessage envelope)
    {
        if (to == self)
        {
            localGroup.Tell(envelope, localGroup);
        }
        else if (peers.TryGetValue(to, out var peer))
        {
            if (faults is null)
            {
                peer.Tell(envelope, localGroup);
                return;
            }

            foreach (var delay in faults.Decide(self, to))
            {
                if (delay <= TimeSpan.Zero)
                {
                    peer.Tell(envelope, localGroup);
                }
                else
                {
                    scheduler!.ScheduleTellOnce(delay, peer, envelope, localGroup);
                }
            }
        }
    }
}
