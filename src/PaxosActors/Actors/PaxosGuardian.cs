using Akka.Actor;
using PaxosActors.Cluster;

namespace PaxosActors.Actors;

/// <summary>
/// /system/paxos: the parent of this node's GroupActors, what an operator asks which groups run
/// here, and, in Akka.Cluster mode, the parent of the bootstrap (<c>/system/paxos/cluster</c>).
/// A system actor, as Akka's own extensions' are: the application's actors stop before it at
/// shutdown, and /user is the application's. Each group it starts is also announced to the
/// <see cref="PaxosUserAlias"/>, if there is one.
/// </summary>
internal sealed class PaxosGuardian : ReceiveActor
{
    public const string Name = "paxos";

    /// <summary>The guardian's path on every node (see <see cref="PaxosSettings.PeerGuardianPath"/> for where peers are sent).</summary>
    public const string Path = "/system/" + Name;

    /// <summary>Where releases before this one kept the guardian; <see cref="PaxosUserAlias"/> answers there.</summary>
    public const string UserPath = "/user/" + Name;

    private readonly Dictionary<string, IActorRef> _groups = [];
    private IActorRef? _alias;

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
                _groups[s.Group.Name] = group;
                _alias?.Tell(new PaxosUserAlias.Add(name, group));
            }

            Sender.Tell(group);
        });
        Receive<PaxosUserAlias.Is>(a =>
        {
            _alias = a.Alias;
            foreach (var (name, group) in _groups)
            {
                _alias.Tell(new PaxosUserAlias.Add(PeerRouter.GroupActorName(name), group));
            }

            if (Context.Child(ClusterBootstrapActor.Name) is { } bootstrap && !bootstrap.IsNobody())
            {
                _alias.Tell(new PaxosUserAlias.Add(ClusterBootstrapActor.Name, bootstrap));
            }
        });
        Receive<GetNodeGroups>(_ => Sender.Tell(new NodeGroups(settings.NodeId.Value, [.. _groups.Keys])));
    }
}
