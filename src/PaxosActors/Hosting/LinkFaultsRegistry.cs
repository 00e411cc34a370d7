using System.Runtime.CompilerServices;
using Akka.Actor;
using PaxosActors.Core;

namespace PaxosActors.Hosting;

/// <summary>
/// Faults a test puts on the links between nodes (PaxosActors.TestKit's LinkFaults): each
/// message a group sends to a peer is first decided here. Not part of the public API.
/// </summary>
internal interface ILinkFaults
{
    /// <summary>How many copies of a message to send on the link, each with its delay (none: dropped).</summary>
    IReadOnlyList<TimeSpan> Decide(NodeId from, NodeId to);
}

/// <summary>The link faults attached to an ActorSystem; without one the send path has no extra step.</summary>
internal static class LinkFaultsRegistry
{
    private static readonly ConditionalWeakTable<ActorSystem, ILinkFaults> Attached = [];

    public static void Attach(ActorSystem system, ILinkFaults faults) => Attached.AddOrUpdate(system, faults);

    public static ILinkFaults? For(ActorSystem system) => Attached.TryGetValue(system, out var f) ? f : null;
}
