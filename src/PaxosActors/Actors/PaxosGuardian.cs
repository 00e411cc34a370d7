using Akka.Actor;

namespace PaxosActors.Actors;

/// <summary>/user/paxos: the parent of this node's GroupActors.</summary>
internal sealed class PaxosGuardian : ReceiveActor
{
    public const string Name = "paxos";

    public PaxosGuardian(PaxosSettings settings)
    {
        Receive<StartGroup>(s =>
        {
            var name = PeerRouter.GroupActorName(s.Group.Name);
            var group = Context.Child(name);
            if (group.IsNobody())
            {
                group = Context.ActorOf(GroupActor.Props(settings, s.Group, s.Machines), name);
            }

            Sender.Tell(group);
        });
    }
}
