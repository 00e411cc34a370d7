namespace PaxosActors;

/// <summary>
/// Opt-in beside <see cref="IStateMachine"/>: a state machine whose state can be written to a
/// checkpoint and loaded from one. When every state machine of a group implements it, the group
/// takes a checkpoint every <c>paxos-actors.checkpoint.every-instances</c> executed instances,
/// and a restart loads the newest valid checkpoint and replays only the instances after it.
/// </summary>
/// <remarks>
/// A checkpoint is taken between two instances without stopping the group: <see cref="Capture"/>
/// runs on the group's learner and must be cheap (hand out an immutable snapshot, or mark the
/// state copy-on-write); the snapshot it returns writes itself on another thread while
/// <see cref="IStateMachine.Execute"/> goes on.
/// </remarks>
public interface ICheckpointable
{
    /// <summary>The state as it is now, after every instance executed so far, frozen for writing.</summary>
    ICheckpointSnapshot Capture();

    /// <summary>
    /// Replaces the whole state with a checkpoint's, before any <see cref="IStateMachine.Execute"/>
    /// of this process: every instance below <paramref name="instance"/> has run in it.
    /// </summary>
    void Restore(Stream checkpoint, long instance);
}

/// <summary>A state machine's state frozen by <see cref="ICheckpointable.Capture"/>.</summary>
public interface ICheckpointSnapshot
{
    /// <summary>Writes the state; called once, on a thread of its own.</summary>
    void WriteTo(Stream destination);
}
