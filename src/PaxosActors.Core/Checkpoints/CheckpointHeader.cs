namespace PaxosActors.Core;

/// <summary>
/// What a checkpoint covers: the state of group <see cref="Group"/> after every instance below
/// <see cref="Instance"/> ran, and the checksum chain there (<see cref="Checksum"/>, the chain
/// value of instance <see cref="Instance"/> - 1), so a node that loads it goes on learning from
/// <see cref="Instance"/> with the same chain as every other node.
/// </summary>
internal sealed record CheckpointHeader(string Group, long Instance, ulong Checksum);

/// <summary>A checkpoint whose bytes are not what was written: cut short, altered, or not a checkpoint at all.</summary>
internal sealed class CorruptCheckpointException(string message) : PaxosFormatException(message);
