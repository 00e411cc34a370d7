using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace PaxosActors.Core;

/// <summary>Little-endian, length-prefixed writer for the compact formats.</summary>
internal sealed class WireWriter(int capacity = 64)
{
    // Sized by the caller from what it will write: growing by doubling copied a 7 KB batch
    // value four times over.
    private readonly ArrayBufferWriter<byte> _buffer = new(Math.Max(16, capacity));

    public WireWriter Byte(byte b)
    {
        _buffer.GetSpan(1)[0] = b;
        _buffer.Advance(1);
        return this;
    }

    public WireWriter Int32(int v)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), v);
        _buffer.Advance(4);
        return this;
    }

    public WireWriter Int64(long v)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), v);
        _buffer.Advance(8);
        return this;
    }

    public WireWriter UInt64(ulong v)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.GetSpan(8), v);
        _buffer.Advance(8);
        return this;
    }

    public WireWriter Bool(bool v) => Byte(v ? (byte)1 : (byte)0);

    public WireWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        Int32(bytes.Length);
        _buffer.Write(bytes);
        return this;
    }

    public WireWriter NullableBytes(byte[]? bytes) => bytes is null ? Bool(false) : Bool(true).Bytes(bytes);

    public WireWriter String(string s)
    {
        var length = Encoding.UTF8.GetByteCount(s);
        Int32(length);
        _buffer.Advance(Encoding.UTF8.GetBytes(s, _buffer.GetSpan(length)));
        return this;
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}
