namespace PaxosActors.Core;

/// <summary>
/// A user command as the log stores it: the node, proposer session and sequence number its
/// caller waits on, which state machine runs it, and the serializer id, manifest and bytes Akka
/// serialization gave it (so any serializer the user binds works).
/// <para>
/// <see cref="Floor"/> is the origin's promise about its own session: every command of the
/// session numbered below it has had its answer, so one not run by the time this command
/// reaches the log never will be. The learners' <see cref="DuplicateFilter"/> keeps that promise
/// on every node alike; it is what makes "did not run" true and duplicates exact.
/// </para>
/// </summary>
internal sealed record StoredCommand(NodeId Origin, long Session, long Sequence, long Floor, int StateMachineId, int SerializerId, string Manifest, byte[] Payload)
{
    /// <summary>The floor of a command from a log written before floors existed.</summary>
    public const long LegacyFloor = 0;

    /// <summary>
    /// The state machine id of a fence: a command that runs nothing and only carries its floor
    /// into the log, so that refused commands are settled without waiting for other traffic.
    /// </summary>
    public const int FenceMachine = 0;

    /// <summary>
    /// The state machine id of a membership change (<see cref="MemberChange"/>, encoded in
    /// <see cref="Payload"/>): the group's own system state machine, reserved in every group.
    /// </summary>
    public const int SystemMachine = -1;

    /// <summary>
    /// The state machine id of a master bid (<see cref="MasterCommand"/>): the group's master
    /// lease, reserved in every group. Every negative id is reserved for the library.
    /// </summary>
    public const int MasterMachine = -2;

    /// <summary>Whether <paramref name="id"/> is a state machine of the library, not the user's.</summary>
    public static bool IsReserved(int id) => id <= FenceMachine;

    public bool IsFence => StateMachineId == FenceMachine;

    public bool IsSystem => StateMachineId == SystemMachine;

    public bool IsMaster => StateMachineId == MasterMachine;
}
