using Akka.Actor;

namespace PaxosActors.Actors;

/// <summary>
/// /user/paxos, where releases before this one kept the groups: each child forwards to the
/// group (or the cluster bootstrap) of the same name under <see cref="PaxosGuardian"/>, and the
/// alias itself to the guardian, so that an earlier release's peers and clients that address the
/// old path reach them during an upgrade. Forwarding keeps the sender: replies go straight back.
/// Off with <c>paxos-actors.wire.user-alias = off</c>.
/// </summary>
internal sealed class PaxosUserAlias : ReceiveActor
{
    public PaxosUserAlias(IActorRef guardian)
    {
        Receive<Add>(a =>
        {
            if (Context.Child(a.Name).IsNobody())
            {
                Context.ActorOf(Props.Create(() => new Forwarder(a.Target)), a.Name);
            }
        });
        ReceiveAny(m => guardian.Forward(m));
    }

    /// <summary>The extension tells the guardian which actor is its alias.</summary>
    public sealed record Is(IActorRef Alias);

    /// <summary>The guardian started <see cref="Target"/> under <see cref="Name"/>: forward to it from /user/paxos/<see cref="Name"/> too.</summary>
    public sealed record Add(string Name, IActorRef Target);

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef target) => ReceiveAny(m => target.Forward(m));
    }
}
