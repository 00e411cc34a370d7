namespace PaxosActors;

/// <summary>
/// What a node's storage did, published on its ActorSystem's event stream (as Akka.Cluster
/// publishes its cluster events): subscribe with
/// <c>system.EventStream.Subscribe(actor, typeof(PaxosStorageEvent))</c>, or to one of the
/// records below. Every event names the group and this node's id. They are notices for
/// operators and tools; nothing in the protocol waits for a subscriber.
/// </summary>
public abstract record PaxosStorageEvent(string Group, int NodeId);

/// <summary>A checkpoint of the state after every instance below <see cref="Instance"/> was published at <see cref="Path"/>.</summary>
public sealed record CheckpointSaved(string Group, int NodeId, long Instance, long Bytes, string Path) : PaxosStorageEvent(Group, NodeId);

/// <summary>The acceptor's journal was cut: it now begins at <see cref="FirstInstance"/>.</summary>
public sealed record JournalTruncated(string Group, int NodeId, long FirstInstance) : PaxosStorageEvent(Group, NodeId);

/// <summary>
/// A checkpoint is being fetched from node <see cref="Source"/>: <see cref="Received"/> of its
/// <see cref="Length"/> bytes are checked and written. Published when the fetch starts and at
/// every further MiB.
/// </summary>
public sealed record CheckpointFetchProgress(string Group, int NodeId, int Source, long Instance, long Received, long Length) : PaxosStorageEvent(Group, NodeId);

/// <summary>A checkpoint fetched from node <see cref="Source"/> was verified, published and loaded: the node learns on from <see cref="Instance"/>.</summary>
public sealed record CheckpointFetched(string Group, int NodeId, int Source, long Instance, long Bytes, TimeSpan Elapsed) : PaxosStorageEvent(Group, NodeId);
