namespace PaxosActors.Core.Tests.Simulation;

internal abstract record SimEvent;

internal sealed record Arrival(NodeId From, NodeId To, PaxosMessage Message) : SimEvent;

/// <summary>A hand-over (<see cref="ForwardCommands"/>) or a refusal (<see cref="RefuseCommands"/>) arrives.</summary>
internal sealed record ClientArrival(NodeId From, NodeId To, Effect Message) : SimEvent;

internal sealed record TimerFired(NodeId Node, int Incarnation, int Proposer, long Generation) : SimEvent;

/// <summary>The client queue asked to be woken now.</summary>
internal sealed record QueueWake(NodeId Node, int Incarnation, int Proposer) : SimEvent;

/// <summary>The learner's mailbox is worked off: everything queued for it, in order.</summary>
internal sealed record LearnerDrain(NodeId Node, int Incarnation) : SimEvent;

internal sealed record LearnTick(NodeId Node, int Incarnation) : SimEvent;

internal sealed record DiskFlush(NodeId Node, int Incarnation) : SimEvent;

/// <summary>A node's held writes (chosen records waiting for a next write) have waited long enough.</summary>
internal sealed record ReleaseHeld(NodeId Node, int Incarnation) : SimEvent;

internal sealed record ClientRequest(NodeId Node, string Command, bool Batch) : SimEvent;

internal sealed record NemesisStep : SimEvent;

/// <summary>The nemesis crashes a node in the middle of the fetch it began, if it is still fetching, and starts it again a little later.</summary>
internal sealed record CrashWhileFetching(NodeId Node, int Incarnation) : SimEvent;

/// <summary>A crashed node starts again.</summary>
internal sealed record RestartNode(NodeId Node) : SimEvent;

/// <summary>A message the scripted (manual) network holds until the test delivers or drops it.</summary>
internal sealed record InFlight(NodeId From, NodeId To, PaxosMessage Message);

/// <summary>A node's master actor ticks: it bids for the lease or renews it, or now and then drops it.</summary>
internal sealed record MasterTick(NodeId Node, int Incarnation) : SimEvent;

/// <summary>A client asks the node that holds the master lease (or some node) for a lease read.</summary>
internal sealed record LeaseReadRequest : SimEvent;
