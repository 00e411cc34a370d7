using System.IO.Hashing;

namespace PaxosActors.Tests.Storage;

/// <summary>
/// A checkpointable state machine whose state is a large blob it never holds in memory: a size
/// and a seed, from which its checkpoint streams the bytes, and whose restore streams them back
/// into a hash. A transfer of its checkpoint therefore costs memory only for what is in flight.
/// </summary>
public sealed class Blob : IStateMachine, ICheckpointable
{
    private const int Block = 64 * 1024;

    public int Id => 1;

    /// <summary>The blob's size in bytes.</summary>
    public long Size { get; private set; }

    /// <summary>The XxHash64 of the bytes restored from the last checkpoint loaded (0: none).</summary>
    public ulong RestoredHash { get; private set; }

    public long RestoredAt { get; private set; } = -1;

    /// <summary>The hash a blob of <paramref name="size"/> bytes has.</summary>
    public static ulong HashOf(long size)
    {
        var hash = new XxHash64();
        Generate(size, block => hash.Append(block));
        return hash.GetCurrentHashAsUInt64();
    }

    /// <summary>"size N" sets the blob's size; anything else leaves it.</summary>
    public object? Execute(long instance, object command)
    {
        if (command is string s && s.StartsWith("size ", StringComparison.Ordinal))
        {
            Size = long.Parse(s[5..], System.Globalization.CultureInfo.InvariantCulture);
        }

        return Size;
    }

    public ICheckpointSnapshot Capture() => new Frozen(Size);

    public void Restore(Stream checkpoint, long instance)
    {
        var reader = new BinaryReader(checkpoint);
        Size = reader.ReadInt64();
        var hash = new XxHash64();
        var buffer = new byte[Block];
        int n;
        while ((n = checkpoint.Read(buffer)) > 0)
        {
            hash.Append(buffer.AsSpan(0, n));
        }

        RestoredHash = hash.GetCurrentHashAsUInt64();
        RestoredAt = instance;
    }

    private static void Generate(long size, Action<ReadOnlySpan<byte>> block)
    {
        var random = new Random(42);
        var buffer = new byte[Block];
        for (long done = 0; done < size; done += Block)
        {
            random.NextBytes(buffer);
            block(buffer.AsSpan(0, (int)Math.Min(Block, size - done)));
        }
    }

    private sealed class Frozen(long size) : ICheckpointSnapshot
    {
        public void WriteTo(Stream destination)
        {
            new BinaryWriter(destination).Write(size);
            Generate(size, block => destination.Write(block));
        }
    }
}
