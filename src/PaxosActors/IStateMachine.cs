namespace PaxosActors;

/// <summary>
/// A user's replicated state (PhxPaxos's StateMachine). Every node runs the same commands in
/// the same order, so <see cref="Execute"/> must be deterministic: no clocks, no randomness, no
/// I/O whose result can differ between nodes.
/// </summary>
public interface IStateMachine
{
    /// <summary>Routes commands: <see cref="Propose.StateMachineId"/> names the machine that runs one. Ids 0 and below are reserved (0 fences, -1 the membership, -2 the master).</summary>
    int Id { get; }

    /// <summary>
    /// Applies the command chosen at <paramref name="instance"/> and returns its result, which
    /// goes back to the proposing caller. Called once per instance per process lifetime, in
    /// instance order; after a restart the whole log is replayed through it.
    /// </summary>
    object? Execute(long instance, object command);
}

/// <summary>
/// A state machine that answers queries without changing: what <see cref="Read"/> messages run.
/// A read runs on the node asked, after a read barrier (a round to a majority of the acceptors,
/// no write to the log) shows it has executed every command chosen before the read began, so
/// the answer is linearizable.
/// </summary>
public interface IReadableStateMachine : IStateMachine
{
    /// <summary>Answers <paramref name="query"/> from the current state; must not change it.</summary>
    object? Read(object query);
}
