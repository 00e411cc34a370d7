using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace PaxosActors.Core;

/// <summary>
/// The layout of a checkpoint, as a stream: a header, then sections (one per state machine, and
/// one for the duplicate filter), each cut into length-prefixed chunks so a section of any size
/// streams through a bounded buffer, then an end mark and an XxHash64 of every byte before it.
/// <code>
/// "PXCP" version(1) group(i32 length + UTF-8) instance(i64) checksum(u64)
/// { section-id(i32 >= -1) { length(i32 1..ChunkSize) bytes }* 0 }*  -2  hash(u64)
/// </code>
/// A reader trusts nothing before the hash at the end has matched: <see cref="CheckpointReader.Verify"/>
/// reads the whole stream first, and only then does a load read it again.
/// </summary>
internal static class CheckpointFormat
{
    /// <summary>The section that holds the learner's duplicate filter.</summary>
    public const int FilterSection = -1;

    /// <summary>
    /// The section that holds the group's membership (<see cref="SystemState"/>). It takes the id
    /// of the fence machine, which has no state. Checkpoints written before membership changes
    /// existed lack it: their group had the configured membership.
    /// </summary>
    public const int SystemSection = StoredCommand.FenceMachine;

    /// <summary>The largest chunk a writer makes, and a reader accepts.</summary>
    public const int ChunkSize = 64 * 1024;

    internal const byte Version = 1;
    internal const int EndOfSections = -2;
    internal const int MaxGroupName = 1024;

    internal static ReadOnlySpan<byte> Magic => "PXCP"u8;

    internal static byte[] Header(CheckpointHeader header)
    {
        var name = Encoding.UTF8.GetBytes(header.Group);
        var bytes = new byte[4 + 1 + 4 + name.Length + 8 + 8];
        Magic.CopyTo(bytes);
        bytes[4] = Version;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(5), name.Length);
        name.CopyTo(bytes, 9);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(9 + name.Length), header.Instance);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(17 + name.Length), header.Checksum);
        return bytes;
    }
}

/// <summary>
/// Writes one checkpoint to a stream: <see cref="Section"/> for each part, then
/// <see cref="Finish"/>. Whatever a section's writer hands it is cut into chunks of at most
/// <see cref="CheckpointFormat.ChunkSize"/> bytes.
/// </summary>
internal sealed class CheckpointWriter
{
    private readonly Stream _out;
    private readonly XxHash64 _hash = new();
    private bool _open;
    private bool _finished;

    public CheckpointWriter(Stream destination, CheckpointHeader header)
    {
        if (header.Instance < 0 || Encoding.UTF8.GetByteCount(header.Group) > CheckpointFormat.MaxGroupName)
        {
            throw new ArgumentException($"No checkpoint can cover instance {header.Instance} of a group named '{header.Group}'.", nameof(header));
        }

        _out = destination;
        Write(CheckpointFormat.Header(header));
    }

    /// <summary>
    /// A stream for section <paramref name="id"/> (a state machine's id, or
    /// <see cref="CheckpointFormat.FilterSection"/>); dispose it before the next section.
    /// </summary>
    public Stream Section(int id)
    {
        if (_open || _finished || id < CheckpointFormat.FilterSection)
        {
            throw new InvalidOperationException(_open ? "The previous section is still open." : $"No section {id} here.");
        }

        _open = true;
        WriteInt32(id);
        return new SectionWriteStream(this);
    }

    /// <summary>Ends the checkpoint with its hash and flushes the stream.</summary>
    public void Finish()
    {
        if (_open || _finished)
        {
            throw new InvalidOperationException(_open ? "A section is still open." : "The checkpoint is finished.");
        }

        _finished = true;
        WriteInt32(CheckpointFormat.EndOfSections);
        Span<byte> hash = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(hash, _hash.GetCurrentHashAsUInt64());
        _out.Write(hash);
        _out.Flush();
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _hash.Append(bytes);
        _out.Write(bytes);
    }

    private void WriteInt32(int v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, v);
        Write(b);
    }

    private sealed class SectionWriteStream(CheckpointWriter owner) : Stream
    {
        private readonly byte[] _chunk = new byte[CheckpointFormat.ChunkSize];
        private int _filled;
        private bool _closed;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => !_closed;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            while (buffer.Length > 0)
            {
                var n = Math.Min(buffer.Length, _chunk.Length - _filled);
                buffer[..n].CopyTo(_chunk.AsSpan(_filled));
                _filled += n;
                buffer = buffer[n..];
                if (_filled == _chunk.Length)
                {
                    Emit();
                }
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (!_closed)
            {
                _closed = true;
                Emit();
                owner.WriteInt32(0);
                owner._open = false;
            }

            base.Dispose(disposing);
        }

        private void Emit()
        {
            if (_filled == 0)
            {
                return;
            }

            owner.WriteInt32(_filled);
            owner.Write(_chunk.AsSpan(0, _filled));
            _filled = 0;
        }
    }
}
