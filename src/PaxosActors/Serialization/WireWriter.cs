using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace PaxosActors.Serialization;

/// <summary>Little-endian, length-prefixed writer for the compact formats.</summary>
internal sealed class WireWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(64);

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

    public WireWriter String(string s) => Bytes(Encoding.UTF8.GetBytes(s));

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}
