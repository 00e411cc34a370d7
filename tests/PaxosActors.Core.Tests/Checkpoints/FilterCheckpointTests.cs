namespace PaxosActors.Core.Tests.Checkpoints;

/// <summary>
/// The duplicate filter in a checkpoint: restored from its bytes, it decides every later command
/// as the filter it was taken from does (exactly-once across a checkpoint), and bad bytes are a
/// typed error.
/// </summary>
public sealed class FilterCheckpointTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void A_restored_filter_decides_the_rest_of_a_log_as_the_original(int seed)
    {
        var random = new Random(seed);
        var commands = RandomLog(random, 3000);
        for (var cut = 0; cut <= commands.Count; cut += 250)
        {
            var original = new DuplicateFilter();
            foreach (var c in commands.Take(cut))
            {
                original.Admit(c);
            }

            var restored = DuplicateFilter.Read(original.ToBytes());
            Assert.Equal(original.ToBytes(), restored.ToBytes());
            foreach (var c in commands.Skip(cut))
            {
                Assert.Equal(original.Admit(c), restored.Admit(c));
            }
        }
    }

    [Fact]
    public void An_empty_filter_round_trips()
    {
        var restored = DuplicateFilter.Read(new DuplicateFilter().ToBytes());
        Assert.True(restored.Admit(new StoredCommand(new NodeId(1), 1, 1, 1, 1, 0, "", [])).Runs);
    }

    [Fact]
    public void Every_cut_short_or_altered_filter_is_a_format_error_or_a_valid_filter()
    {
        var filter = new DuplicateFilter();
        foreach (var c in RandomLog(new Random(9), 400))
        {
            filter.Admit(c);
        }

        var bytes = filter.ToBytes();
        for (var n = 0; n < bytes.Length; n++)
        {
            Assert.Throws<PaxosFormatException>(() => DuplicateFilter.Read(bytes.AsSpan(0, n)));
        }

        var random = new Random(3);
        for (var i = 0; i < 2000; i++)
        {
            var bad = (byte[])bytes.Clone();
            bad[random.Next(bad.Length)] ^= (byte)(1 << random.Next(8));
            try
            {
                DuplicateFilter.Read(bad);
            }
            catch (PaxosFormatException)
            {
            }
        }
    }

    [Fact]
    public void A_filter_whose_marks_contradict_themselves_is_refused()
    {
        var w = new WireWriter(64);
        w.Byte(1).Int32(1).Int32(1).Int64(1).Int64(5).Int32(1).Int64(6).Int32(0);
        Assert.Throws<PaxosFormatException>(() => DuplicateFilter.Read(w.ToArray()));
        var repeated = new WireWriter(64);
        repeated.Byte(1).Int32(1).Int32(1).Int64(1).Int64(5).Int32(2).Int64(8).Int64(8).Int32(0);
        Assert.Throws<PaxosFormatException>(() => DuplicateFilter.Read(repeated.ToArray()));
        var negative = new WireWriter(64);
        negative.Byte(1).Int32(1).Int32(1).Int64(1).Int64(-1).Int32(0).Int32(0);
        Assert.Throws<PaxosFormatException>(() => DuplicateFilter.Read(negative.ToArray()));
        Assert.Throws<PaxosFormatException>(() => DuplicateFilter.Read([2, 0, 0, 0, 0, 0, 0, 0, 0]));
    }

    [Fact]
    public void The_encoding_is_fixed_ordered_by_node_then_session_then_sequence_whatever_the_order_of_arrival()
    {
        // Every node writes the same bytes for the same filter, so peers offer the same
        // checkpoint file and a transfer can go on from any of them.
        StoredCommand[] commands =
        [
            new(new NodeId(3), 7, 1, 1, 1, 0, "", []), new(new NodeId(3), 7, 4, 1, 1, 0, "", []),
            new(new NodeId(3), 7, 3, 1, 1, 0, "", []), new(new NodeId(1), 2, 5, 5, 1, 0, "", []),
            new(new NodeId(2), 9, 1, StoredCommand.LegacyFloor, 1, 0, "", []),
            new(new NodeId(2), 4, 8, StoredCommand.LegacyFloor, 1, 0, "", []),
            new(new NodeId(2), 4, 6, StoredCommand.LegacyFloor, 1, 0, "", []),
        ];
        var expected = new WireWriter(64).Byte(1)
            .Int32(2).Int32(1).Int64(2).Int64(5).Int32(0)
            .Int32(3).Int64(7).Int64(1).Int32(2).Int64(3).Int64(4)
            .Int32(2).Int32(2).Int64(4).Int32(2).Int64(6).Int64(8)
            .Int32(2).Int64(9).Int32(1).Int64(1)
            .ToArray();
        foreach (var order in new[] { commands, commands.Reverse().ToArray() })
        {
            var filter = new DuplicateFilter();
            foreach (var c in order)
            {
                filter.Admit(c);
            }

            Assert.Equal(expected, filter.ToBytes());
        }
    }

    [Fact]
    public void A_node_or_legacy_session_listed_twice_trailing_bytes_and_impossible_counts_are_refused()
    {
        var twice = new WireWriter(64).Byte(1).Int32(2).Int32(1).Int64(1).Int64(0).Int32(0).Int32(1).Int64(2).Int64(0).Int32(0).Int32(0);
        Assert.Contains("node 1 appears twice", Assert.Throws<PaxosFormatException>(() => DuplicateFilter.Read(twice.ToArray())).Message);

        var legacyTwice = new WireWriter(64).Byte(1).Int32(0).Int32(2).Int32(1).Int64(3).Int32(0).Int32(1).Int64(3).Int32(0);
        Assert.Contains("legacy session 3 of node 1 appears twice", Assert.Throws<PaxosFormatException>(() => DuplicateFilter.Read(legacyTwice.ToArray())).Message);

        var trailing = new WireWriter(64).Byte(1).Int32(0).Int32(0).Byte(0);
        Assert.Throws<PaxosFormatException>(() => DuplicateFilter.Read(trailing.ToArray()));

        var negative = new WireWriter(64).Byte(1).Int32(-1).Int32(0);
        Assert.Contains("a count of -1", Assert.Throws<PaxosFormatException>(() => DuplicateFilter.Read(negative.ToArray())).Message);

        // Two open sessions need at least 40 bytes; 24 are left.
        var tooMany = new WireWriter(64).Byte(1).Int32(2).Int64(0).Int64(0).Int32(0).Int32(0);
        Assert.Contains("a count of 2 with 24 bytes left", Assert.Throws<PaxosFormatException>(() => DuplicateFilter.Read(tooMany.ToArray())).Message);
    }

    [Fact]
    public void The_marks_of_an_origin_say_what_of_its_open_session_is_settled()
    {
        var filter = new DuplicateFilter();
        Assert.Null(filter.MarksOf(new NodeId(1)));
        filter.Admit(new StoredCommand(new NodeId(1), 7, 1, 1, 1, 0, "", []));
        filter.Admit(new StoredCommand(new NodeId(1), 7, 4, 1, 1, 0, "", []));
        var marks = filter.MarksOf(new NodeId(1))!;
        Assert.Equal((7L, 1L), (marks.Session, marks.Low));
        Assert.Equal([4L], marks.Above);
        Assert.Equal([true, false, false, true, false], new long[] { 1, 2, 3, 4, 5 }.Select(s => marks.Settles(7, s)));
        Assert.False(marks.Settles(6, 1));
        Assert.False(marks.Settles(8, 1));
    }

    [Fact]
    public void The_deliberate_bug_forgets_a_filter_that_holds_anything()
    {
        var forgetful = new DuplicateFilter(DeliberateBugs.CheckpointForgetsFilter);
        var empty = forgetful.ToBytes();
        forgetful.Admit(new StoredCommand(new NodeId(1), 1, 2, 1, 1, 0, "", []));
        Assert.Equal(empty, forgetful.ToBytes());

        var legacy = new DuplicateFilter(DeliberateBugs.CheckpointForgetsFilter);
        legacy.Admit(new StoredCommand(new NodeId(1), 1, 2, StoredCommand.LegacyFloor, 1, 0, "", []));
        Assert.Equal(empty, legacy.ToBytes());
    }

    /// <summary>Commands as a log may hold them: three origins, sessions that go up, repeats, floors that trail.</summary>
    private static List<StoredCommand> RandomLog(Random random, int count)
    {
        var log = new List<StoredCommand>();
        var sessions = new long[4];
        var next = new long[4];
        for (var i = 0; i < count; i++)
        {
            var origin = random.Next(1, 4);
            if (sessions[origin] == 0 || random.Next(200) == 0)
            {
                sessions[origin]++;
                next[origin] = 1;
            }

            if (random.Next(10) == 0 && log.Count > 0)
            {
                log.Add(log[random.Next(log.Count)]);
                continue;
            }

            if (random.Next(50) == 0)
            {
                log.Add(new StoredCommand(new NodeId(origin), random.Next(1, 3), random.Next(1, 50), StoredCommand.LegacyFloor, 1, 0, "", []));
                continue;
            }

            var sequence = next[origin] + random.Next(0, 3);
            next[origin] = sequence + 1;
            var floor = Math.Max(1, sequence - random.Next(0, 8));
            log.Add(new StoredCommand(new NodeId(origin), sessions[origin], sequence, floor, 1, 0, "", []));
        }

        return log;
    }
}
