using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace PaxosActors.Core;

/// <summary>
/// Reads what <see cref="CheckpointWriter"/> wrote. <see cref="Verify"/> reads a whole
/// checkpoint and checks its structure and hash without keeping more than one chunk; only a
/// verified checkpoint should be handed to <see cref="Load"/>, which gives each section to its
/// reader as a stream. Anything wrong throws <see cref="CorruptCheckpointException"/>.
/// </summary>
internal sealed class CheckpointReader
{
    private readonly Stream _in;
    private readonly XxHash64 _hash = new();
    private readonly byte[] _chunk = new byte[CheckpointFormat.ChunkSize];

    private CheckpointReader(Stream source) => _in = source;

    /// <summary>Reads <paramref name="source"/> to its end; its header if the checkpoint is whole and unaltered.</summary>
    public static CheckpointHeader Verify(Stream source) => Inspect(source).Header;

    /// <summary>Like <see cref="Verify"/>, and the ids of its sections in order.</summary>
    public static (CheckpointHeader Header, IReadOnlyList<int> Sections) Inspect(Stream source)
    {
        var sections = new List<int>();
        var header = new CheckpointReader(source).Run((id, _) => sections.Add(id));
        return (header, sections);
    }

    /// <summary>
    /// Reads a checkpoint and hands each section, in order, to <paramref name="section"/> (its id
    /// and a stream of its bytes; what the reader leaves unread is skipped).
    /// </summary>
    public static CheckpointHeader Load(Stream source, Action<int, Stream> section) => new CheckpointReader(source).Run(section);

    private CheckpointHeader Run(Action<int, Stream>? section)
    {
        Span<byte> start = stackalloc byte[9];
        Fill(start);
        if (!start[..4].SequenceEqual(CheckpointFormat.Magic) || start[4] != CheckpointFormat.Version)
        {
            throw new CorruptCheckpointException("Not a checkpoint of this format (magic or version).");
        }

        var nameLength = BinaryPrimitives.ReadInt32LittleEndian(start[5..]);
        if (nameLength < 0 || nameLength > CheckpointFormat.MaxGroupName)
        {
            throw new CorruptCheckpointException($"A group name of {nameLength} bytes.");
        }

        var rest = new byte[nameLength + 16];
        Fill(rest);
        var header = new CheckpointHeader(
            Encoding.UTF8.GetString(rest, 0, nameLength),
            BinaryPrimitives.ReadInt64LittleEndian(rest.AsSpan(nameLength)),
            BinaryPrimitives.ReadUInt64LittleEndian(rest.AsSpan(nameLength + 8)));
        if (header.Instance < 0)
        {
            throw new CorruptCheckpointException($"A checkpoint at instance {header.Instance}.");
        }

        var seen = new HashSet<int>();
        while (true)
        {
            var id = ReadInt32();
            if (id == CheckpointFormat.EndOfSections)
            {
                break;
            }

            if (id < CheckpointFormat.FilterSection || !seen.Add(id))
            {
                throw new CorruptCheckpointException($"Section {id} is not valid here.");
            }

            var body = new SectionReadStream(this);
            section?.Invoke(id, body);
            body.Drain();
        }

        var expected = _hash.GetCurrentHashAsUInt64();
        Span<byte> hash = stackalloc byte[8];
        FillUnhashed(hash);
        if (BinaryPrimitives.ReadUInt64LittleEndian(hash) != expected)
        {
            throw new CorruptCheckpointException("The checkpoint's hash does not match its bytes.");
        }

        if (_in.ReadByte() != -1)
        {
            throw new CorruptCheckpointException("Bytes after the end of the checkpoint.");
        }

        return header;
    }

    private int ReadInt32()
    {
        Span<byte> b = stackalloc byte[4];
        Fill(b);
        return BinaryPrimitives.ReadInt32LittleEndian(b);
    }

    private void Fill(Span<byte> buffer)
    {
        FillUnhashed(buffer);
        _hash.Append(buffer);
    }

    private void FillUnhashed(Span<byte> buffer)
    {
        try
        {
            _in.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw new CorruptCheckpointException("The checkpoint ends early.");
        }
    }

    /// <summary>One section's bytes, chunk by chunk, ending at its zero-length chunk.</summary>
    private sealed class SectionReadStream(CheckpointReader owner) : Stream
    {
        private int _at;
        private int _length;
        private bool _ended;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (buffer.Length == 0)
            {
                return 0;
            }

            while (_at == _length)
            {
                if (_ended)
                {
                    return 0;
                }

                Next();
            }

            var n = Math.Min(buffer.Length, _length - _at);
            owner._chunk.AsSpan(_at, n).CopyTo(buffer);
            _at += n;
            return n;
        }

        public void Drain()
        {
            while (!_ended)
            {
                Next();
            }
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private void Next()
        {
            var length = owner.ReadInt32();
            if (length == 0)
            {
                _ended = true;
                _at = _length = 0;
                return;
            }

            if (length < 0 || length > CheckpointFormat.ChunkSize)
            {
                throw new CorruptCheckpointException($"A chunk of {length} bytes.");
            }

            owner.Fill(owner._chunk.AsSpan(0, length));
            _at = 0;
            _length = length;
        }
    }
}
