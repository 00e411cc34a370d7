using System.Buffers.Binary;
using System.IO.Hashing;

namespace PaxosActors.Core.Tests.Checkpoints;

/// <summary>A checkpoint as bytes: what goes in comes out, and no damage passes verification.</summary>
public sealed class CheckpointFormatTests
{
    private static readonly CheckpointHeader Header = new("kv", 1234, 0xfeed);

    [Fact]
    public void Sections_of_any_size_come_back_in_order_with_the_header()
    {
        var big = new byte[(CheckpointFormat.ChunkSize * 3) + 17];
        new Random(1).NextBytes(big);
        var bytes = Write(Header, (CheckpointFormat.FilterSection, [1, 2, 3]), (1, big), (7, []), (2, new byte[CheckpointFormat.ChunkSize]));

        Assert.Equal(Header, CheckpointReader.Verify(new MemoryStream(bytes)));
        Assert.Equal([CheckpointFormat.FilterSection, 1, 7, 2], CheckpointReader.Inspect(new MemoryStream(bytes)).Sections);
        var read = new List<(int, byte[])>();
        Assert.Equal(Header, CheckpointReader.Load(new MemoryStream(bytes), (id, s) =>
        {
            var copy = new MemoryStream();
            s.CopyTo(copy, 1000);
            read.Add((id, copy.ToArray()));
        }));
        Assert.Equal([CheckpointFormat.FilterSection, 1, 7, 2], read.Select(r => r.Item1));
        Assert.Equal([1, 2, 3], read[0].Item2);
        Assert.Equal(big, read[1].Item2);
        Assert.Empty(read[2].Item2);
        Assert.Equal(CheckpointFormat.ChunkSize, read[3].Item2.Length);
    }

    [Fact]
    public void A_section_left_half_read_is_skipped_and_the_next_one_still_arrives()
    {
        var bytes = Write(Header, (1, new byte[100_000]), (2, [9]));
        var second = Array.Empty<byte>();
        CheckpointReader.Load(new MemoryStream(bytes), (id, s) =>
        {
            if (id == 1)
            {
                s.ReadExactly(new byte[10]);
            }
            else
            {
                second = [(byte)s.ReadByte()];
                Assert.Equal(-1, s.ReadByte());
            }
        });
        Assert.Equal([9], second);
    }

    [Fact]
    public void Every_cut_and_every_flipped_bit_fails_verification()
    {
        var bytes = Write(Header, (CheckpointFormat.FilterSection, [1, 2, 3]), (1, Enumerable.Range(0, 300).Select(i => (byte)i).ToArray()));
        for (var n = 0; n < bytes.Length; n++)
        {
            Assert.Throws<CorruptCheckpointException>(() => CheckpointReader.Verify(new MemoryStream(bytes, 0, n)));
        }

        for (var i = 0; i < bytes.Length * 8; i++)
        {
            var bad = (byte[])bytes.Clone();
            bad[i / 8] ^= (byte)(1 << (i % 8));
            Assert.Throws<CorruptCheckpointException>(() => CheckpointReader.Verify(new MemoryStream(bad)));
        }

        Assert.Throws<CorruptCheckpointException>(() => CheckpointReader.Verify(new MemoryStream([.. bytes, 0])));
    }

    [Fact]
    public void A_writer_keeps_sections_apart_and_refuses_what_no_reader_takes()
    {
        var writer = new CheckpointWriter(new MemoryStream(), Header);
        using (writer.Section(1))
        {
            Assert.Throws<InvalidOperationException>(() => writer.Section(2));
            Assert.Throws<InvalidOperationException>(writer.Finish);
        }

        Assert.Throws<InvalidOperationException>(() => writer.Section(-2));
        writer.Finish();
        Assert.Throws<InvalidOperationException>(() => writer.Section(3));
        Assert.Throws<InvalidOperationException>(writer.Finish);
        Assert.Throws<ArgumentException>(() => new CheckpointWriter(new MemoryStream(), Header with { Instance = -1 }));
        Assert.Throws<ArgumentException>(() => new CheckpointWriter(new MemoryStream(), Header with { Group = new string('g', 1025) }));
    }

    [Fact]
    public void A_section_named_twice_is_corrupt_even_with_a_good_hash()
    {
        var bytes = Write(Header, (1, [1]), (1, [2]));
        Assert.Throws<CorruptCheckpointException>(() => CheckpointReader.Verify(new MemoryStream(bytes)));
    }

    [Fact]
    public void Sections_are_cut_into_full_chunks_whatever_pieces_they_are_written_in()
    {
        var bytes = Write(Header, (1, new byte[(CheckpointFormat.ChunkSize * 2) + 10]), (2, [5]));

        // header, then per section: its id, each chunk with its length, the zero length; the end mark and the hash.
        var header = 4 + 1 + 4 + 2 + 8 + 8;
        var one = 4 + (3 * 4) + (CheckpointFormat.ChunkSize * 2) + 10 + 4;
        var two = 4 + 4 + 1 + 4;
        Assert.Equal(header + one + two + 4 + 8, bytes.Length);
    }

    [Fact]
    public void The_boundaries_of_the_header_are_taken()
    {
        foreach (var header in new[] { new CheckpointHeader("", 0, 0), new CheckpointHeader(new string('g', 1024), 5, 1) })
        {
            Assert.Equal(header, CheckpointReader.Verify(new MemoryStream(Write(header, (1, [1])))));
        }
    }

    [Fact]
    public void A_header_no_writer_makes_is_corrupt_even_with_a_good_hash()
    {
        var good = Write(Header, (1, [1, 2, 3]));
        var name = Header.Group.Length;
        Assert.Contains("magic or version", Corrupt(good, b => b[0] ^= 1));
        Assert.Contains("magic or version", Corrupt(good, b => b[4] = 2));
        Assert.Contains("A group name of -1 bytes", Corrupt(good, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(5), -1)));
        Assert.Contains("A group name of 1025 bytes", Corrupt(good, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(5), 1025)));
        Assert.Contains("A checkpoint at instance -1", Corrupt(good, b => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(9 + name), -1)));

        // The first chunk's length, after the section id.
        var chunk = 9 + name + 16 + 4;
        Assert.Contains("A chunk of -1 bytes", Corrupt(good, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(chunk), -1)));
        Assert.Contains($"A chunk of {CheckpointFormat.ChunkSize + 1} bytes", Corrupt(good, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(chunk), CheckpointFormat.ChunkSize + 1)));
        Assert.Equal("The checkpoint ends early.", Assert.Throws<CorruptCheckpointException>(() => CheckpointReader.Verify(new MemoryStream(good, 0, good.Length - 1))).Message);
    }

    [Fact]
    public void A_section_read_in_pieces_of_any_size_gives_its_bytes()
    {
        var content = Enumerable.Range(0, 5000).Select(i => (byte)(i * 31)).ToArray();
        var bytes = Write(Header, (1, content));
        var read = new MemoryStream();
        CheckpointReader.Load(new MemoryStream(bytes), (_, s) =>
        {
            Assert.True(s.CanRead);
            Assert.False(s.CanSeek);
            Assert.False(s.CanWrite);
            var buffer = new byte[10_000];
            foreach (var size in new[] { 1, 100, 10_000, 7, 10_000 })
            {
                var n = s.Read(buffer, 0, size);
                read.Write(buffer, 0, n);
            }

            Assert.Equal(0, s.Read(buffer, 0, 0));
        });
        Assert.Equal(content, read.ToArray());
    }

    [Fact]
    public void A_section_stream_writes_until_disposed_once_however_often_it_is_disposed()
    {
        var output = new MemoryStream();
        var buffered = new BufferedStream(output, 1 << 20);
        var writer = new CheckpointWriter(buffered, Header);
        var section = writer.Section(1);
        Assert.True(section.CanWrite);
        Assert.False(section.CanRead);
        Assert.False(section.CanSeek);
        section.Write([1, 2]);
        section.Dispose();
        section.Dispose();
        Assert.False(section.CanWrite);
        Assert.Throws<ObjectDisposedException>(() => section.Write([3]));
        writer.Finish();

        // Finish flushes what it wrote through to the destination.
        Assert.Equal(Header, CheckpointReader.Verify(new MemoryStream(output.ToArray())));
    }

    /// <summary>The message of the corruption found in <paramref name="good"/> once <paramref name="damage"/> is done and the hash made to match again.</summary>
    private static string Corrupt(byte[] good, Action<byte[]> damage)
    {
        var bad = (byte[])good.Clone();
        damage(bad);
        BinaryPrimitives.WriteUInt64LittleEndian(bad.AsSpan(bad.Length - 8), XxHash64.HashToUInt64(bad.AsSpan(0, bad.Length - 8)));
        return Assert.Throws<CorruptCheckpointException>(() => CheckpointReader.Verify(new MemoryStream(bad))).Message;
    }

    internal static byte[] Write(CheckpointHeader header, params (int Id, byte[] Bytes)[] sections)
    {
        var output = new MemoryStream();
        var writer = new CheckpointWriter(output, header);
        foreach (var (id, content) in sections)
        {
            using var s = writer.Section(id);

            // In uneven pieces, as a state machine's serializer would write.
            for (var at = 0; at < content.Length; at += 777)
            {
                s.Write(content, at, Math.Min(777, content.Length - at));
            }
        }

        writer.Finish();
        return output.ToArray();
    }
}
