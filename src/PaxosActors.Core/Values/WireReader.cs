using System.Buffers.Binary;
using System.Text;

namespace PaxosActors.Core;

/// <summary>
/// A bounds-checked reader over untrusted bytes: any short, oversized or malformed field throws
/// <see cref="PaxosFormatException"/>, never an index or overflow exception.
/// </summary>
internal ref struct WireReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _at;

    public readonly bool AtEnd => _at == _data.Length;

    public readonly int Remaining => _data.Length - _at;

    public byte Byte() => Take(1)[0];

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public bool Bool() => Byte() switch
    {
        0 => false,
        1 => true,
        var b => throw new PaxosFormatException($"Invalid boolean {b}."),
    };

    public byte[] Bytes()
    {
        var length = Int32();
        if (length < 0 || length > _data.Length - _at)
        {
            throw new PaxosFormatException($"Invalid length {length} with {_data.Length - _at} bytes left.");
        }

        return Take(length).ToArray();
    }

    /// <summary>Passes over what <see cref="Bytes"/> or <see cref="String"/> would read, without copying it.</summary>
    public void SkipBytes()
    {
        var length = Int32();
        if (length < 0 || length > _data.Length - _at)
        {
            throw new PaxosFormatException($"Invalid length {length} with {_data.Length - _at} bytes left.");
        }

        Take(length);
    }

    public byte[]? NullableBytes() => Bool() ? Bytes() : null;

    public string String()
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(Bytes());
        }
        catch (DecoderFallbackException e)
        {
            throw new PaxosFormatException("Invalid UTF-8 string: " + e.Message);
        }
    }

    public readonly void End()
    {
        if (!AtEnd)
        {
            throw new PaxosFormatException($"{_data.Length - _at} trailing bytes.");
        }
    }

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n > _data.Length - _at)
        {
            throw new PaxosFormatException($"Truncated: wanted {n} bytes at {_at} of {_data.Length}.");
        }

        var span = _data.Slice(_at, n);
        _at += n;
        return span;
    }
}
