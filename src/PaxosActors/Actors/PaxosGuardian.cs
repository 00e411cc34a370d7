using Akka.Actor;

namespace PaxosActors.Actors;

/// <summary>/user/paxos: the parent of this node's GroupActors, and what an operator asks which groups run here.</summary>
internal sealed class PaxosGuardian : ReceiveActor
{
    public const string Name = "paxos";

    private readonly List<string> _groups = [];

    public PaxosGuardian(PaxosSettings settings)
    {
        Receive<StartGroup>(s =>
        {
            var name = PeerRouter.GroupActorName(s.Group.Name);
            var group = Context.Child(name);
            if (group.IsNobody())
            {
                group = Context.ActorOf(GroupActor.Props(settings, s.Group, s.Machines), name);
                _groups.Add(s.Group.Name);
            }

            Sender.Tell(group);
        });
        Receive<GetNodeGroups>(_ => Sender.Tell(new NodeGroups(settings.NodeId.Value, [.. _groups])));
    }
}
