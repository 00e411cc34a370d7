using System.Buffers.Binary;
using System.IO.Hashing;

namespace PaxosActors.Core;

/// <summary>
/// The checksum chain: instance i's checksum hashes instance i-1's checksum together with i's
/// value, so equal checksums at one instance mean equal logs up to it.
/// </summary>
internal static class Checksum
{
    /// <summary>The checksum "before" instance 0.</summary>
    public const ulong Initial = 0;

    public static ulong Next(ulong previous, ReadOnlySpan<byte> value)
    {
        var hash = new XxHash64();
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, previous);
        hash.Append(prefix);
        hash.Append(value);
        return hash.GetCurrentHashAsUInt64();
    }
}
