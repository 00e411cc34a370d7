using System.Collections.Immutable;
using System.Text;

namespace PaxosActors.Tests.Storage;

/// <summary>
/// A checkpointable state machine for tests: its state is the list of commands it ran, and it
/// counts how many it executed in this process (so a test sees how much a restart replayed).
/// </summary>
public sealed class CheckpointedLog : IStateMachine, ICheckpointable
{
    private volatile ImmutableList<string> _ran = [];
    private int _executedHere;

    public int Id => 1;

    public IReadOnlyList<string> Ran => _ran;

    /// <summary>Instances executed by this object (replayed or new), not loaded from a checkpoint.</summary>
    public int ExecutedHere => Volatile.Read(ref _executedHere);

    /// <summary>The instance of the checkpoint it was restored from (-1: none).</summary>
    public long RestoredAt { get; private set; } = -1;

    public object? Execute(long instance, object command)
    {
        Interlocked.Increment(ref _executedHere);
        _ran = _ran.Add((string)command);
        return $"ran {command}";
    }

    public ICheckpointSnapshot Capture() => new Frozen(_ran);

    public void Restore(Stream checkpoint, long instance)
    {
        using var reader = new BinaryReader(checkpoint, Encoding.UTF8, leaveOpen: true);
        var count = reader.ReadInt32();
        var list = ImmutableList.CreateBuilder<string>();
        for (var i = 0; i < count; i++)
        {
            list.Add(reader.ReadString());
        }

        _ran = list.ToImmutable();
        RestoredAt = instance;
    }

    private sealed class Frozen(ImmutableList<string> ran) : ICheckpointSnapshot
    {
        public void WriteTo(Stream destination)
        {
            using var writer = new BinaryWriter(destination, Encoding.UTF8, leaveOpen: true);
            writer.Write(ran.Count);
            foreach (var c in ran)
            {
                writer.Write(c);
            }
        }
    }
}
