using Akka.Actor;
using PaxosActors.Cluster;

namespace PaxosActors.Actors;

/// <summary>
/// /user/paxos: the parent of this node's GroupActors, what an operator asks which groups run
/// here, and, in Akka.Cluster mode, the parent of the bootstrap (<c>/user/paxos/cluster</c>).
/// </summary>
internal sealed class PaxosGuardian : ReceiveActor
{
    public const string Name = "paxos";

    private readonly List<string> _groups = [];

    public PaxosGuardian(PaxosSettings settings, TaskCompletionSource<BootstrapRecord>? bootstrapped)
    {
        if (bootstrapped is not null)
        {
            Context.ActorOf(ClusterBootstrapActor.Props(settings, bootstrapped), ClusterBootstrapActor.Name);
        }

        Receive<StartGroup>(s =>
        {
            var name = PeerRouter.GroupActorName(s.Group.Name);
            var group = Context.Child(name);
            if (group.IsNobody())
            {
                group = Context.ActorOf(GroupActor.Props(s.Settings ?? settings, s.Group, s.Machines), name);
                _groups.Add(s.Group.Name);
            }

            Sender.Tell(group);
        });
        Receive<GetNodeGroups>(_ => Sender.Tell(new NodeGroups(settings.NodeId.Value, [.. _groups])));
    }
}
