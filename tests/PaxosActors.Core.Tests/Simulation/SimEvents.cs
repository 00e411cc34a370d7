namespace PaxosActors.Core.Tests.Simulation;

internal abstract record SimEvent;

internal sealed record Arrival(NodeId From, NodeId To, PaxosMessage Message) : SimEvent;

internal sealed record TimerFired(NodeId Node, int Incarnation, long Generation) : SimEvent;

internal sealed record LearnTick(NodeId Node, int Incarnation) : SimEvent;

internal sealed record DiskFlush(NodeId Node, int Incarnation) : SimEvent;

internal sealed record ClientRequest(NodeId Node, byte[] Value) : SimEvent;

internal sealed record NemesisStep : SimEvent;

/// <summary>A message the scripted (manual) network holds until the test delivers or drops it.</summary>
internal sealed record InFlight(NodeId From, NodeId To, PaxosMessage Message);
