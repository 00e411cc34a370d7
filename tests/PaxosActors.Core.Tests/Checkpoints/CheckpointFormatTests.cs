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
