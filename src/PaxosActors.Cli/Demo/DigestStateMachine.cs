using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace PaxosActors.Cli.Demo;

/// <summary>
/// The demo's state machine: counts the commands it ran and keeps a hash over all of them in
/// order, so two nodes with equal digests ran the same commands in the same order.
/// </summary>
public sealed class DigestStateMachine : IStateMachine
{
    private long _count;
    private long _digest;

    public int Id => 1;

    public long Count => Interlocked.Read(ref _count);

    public ulong Digest => (ulong)Interlocked.Read(ref _digest);

    public object? Execute(long instance, object command)
    {
        Span<byte> previous = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(previous, _digest);
        var hash = new XxHash64();
        hash.Append(previous);
        hash.Append(Encoding.UTF8.GetBytes((string)command));
        Interlocked.Exchange(ref _digest, (long)hash.GetCurrentHashAsUInt64());
        return Interlocked.Increment(ref _count);
    }
}
