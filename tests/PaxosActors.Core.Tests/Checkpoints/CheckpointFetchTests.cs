using System.IO.Hashing;

namespace PaxosActors.Core.Tests.Checkpoints;

public sealed class CheckpointFetchTests
{
    private static readonly NodeId Me = new(1), P = new(2), Q = new(3);
    private static readonly ProtocolOptions Options = new() { TransferChunkBytes = 10, TransferWindow = 2 };
    private static readonly byte[] File = Enumerable.Range(0, 35).Select(i => (byte)i).ToArray();
    private static readonly CheckpointOffer Offer = new(100, P, File.Length, XxHash64.HashToUInt64(File));

    private static CheckpointChunk ChunkAt(long offset, NodeId from) =>
        CheckpointFetch.Chunk(from, new ChunkRequest(100, Me, Offer.FileChecksum, offset, 10), File.AsSpan((int)offset, (int)Math.Min(10, File.Length - offset)).ToArray());

    private static List<long> Asked(IEnumerable<Effect> effects, NodeId from) =>
        effects.OfType<Send>().Where(s => s.To == from).Select(s => ((ChunkRequest)s.Message).Offset).ToList();

    [Fact]
    public void An_offer_of_what_the_node_has_learned_already_is_ignored()
    {
        var fetch = new CheckpointFetch(Me, Options);
        Assert.Empty(fetch.Offered(Offer, learnerNext: 100));
        Assert.Empty(fetch.Offered(Offer with { Length = 0 }, 5));
        Assert.Null(fetch.Offer);
    }

    [Fact]
    public void Chunks_are_asked_for_a_window_at_a_time_written_in_order_and_the_whole_file_installed()
    {
        var fetch = new CheckpointFetch(Me, Options);
        var start = fetch.Offered(Offer, 5);
        Assert.IsType<BeginFetch>(start[0]);
        Assert.Equal([0L, 10L], Asked(start, P));

        // The second chunk first: held, nothing written, nothing more asked for (the window is full).
        Assert.Empty(fetch.Received(ChunkAt(10, P)));
        var both = fetch.Received(ChunkAt(0, P));
        Assert.Equal([0L, 10L], both.OfType<WriteChunk>().Select(w => w.Offset));
        Assert.Equal([20L, 30L], Asked(both, P));
        Assert.Equal(20, fetch.Written);

        fetch.Received(ChunkAt(20, P));
        var last = fetch.Received(ChunkAt(30, P));
        Assert.Equal(5, Assert.Single(last.OfType<WriteChunk>()).Data.Length);
        Assert.Equal(new InstallCheckpoint(Offer), last.OfType<InstallCheckpoint>().Single());
    }

    [Fact]
    public void A_corrupted_chunk_is_refused_and_asked_for_again()
    {
        var fetch = new CheckpointFetch(Me, Options);
        fetch.Offered(Offer, 5);
        var good = ChunkAt(0, P);
        var flipped = good.Data.ToArray();
        flipped[3] ^= 1;
        var refused = fetch.Received(good with { Data = flipped });
        Assert.Empty(refused.OfType<WriteChunk>());
        Assert.Equal([0L], Asked(refused, P));

        // A chunk of the wrong length is refused the same way, even with a matching checksum.
        var short1 = CheckpointFetch.Chunk(P, new ChunkRequest(100, Me, Offer.FileChecksum, 0, 10), File[..9]);
        Assert.Empty(fetch.Received(short1).OfType<WriteChunk>());
        Assert.Single(fetch.Received(good).OfType<WriteChunk>());
    }

    [Fact]
    public void Chunks_of_another_file_or_from_a_node_that_offered_nothing_are_ignored()
    {
        var fetch = new CheckpointFetch(Me, Options);
        fetch.Offered(Offer, 5);
        Assert.Empty(fetch.Received(ChunkAt(0, Q)));
        Assert.Empty(fetch.Received(ChunkAt(0, P) with { FileChecksum = 1 }));
        Assert.Empty(fetch.Received(ChunkAt(0, P) with { Instance = 99 }));
        Assert.Empty(fetch.Received(ChunkAt(20, P)));
        Assert.Equal(0, fetch.Written);
    }

    [Fact]
    public void A_quiet_source_is_replaced_by_another_that_offered_the_same_file_from_the_first_byte_missing()
    {
        var fetch = new CheckpointFetch(Me, Options);
        fetch.Offered(Offer, 5);
        fetch.Offered(Offer with { From = Q }, 5);
        fetch.Received(ChunkAt(0, P));
        Assert.Empty(fetch.OnTick());

        // No progress for a tick: resume at byte 10 from Q.
        var resumed = fetch.OnTick();
        Assert.Equal([10L, 20L], Asked(resumed, Q));
        Assert.Single(fetch.Received(ChunkAt(10, Q)).OfType<WriteChunk>());
    }

    [Fact]
    public void A_fetch_quiet_for_long_is_given_up_and_the_next_offer_starts_anew()
    {
        var fetch = new CheckpointFetch(Me, Options);
        fetch.Offered(Offer, 5);
        for (var i = 0; i < CheckpointFetch.IdleTicks; i++)
        {
            fetch.OnTick();
        }

        Assert.Null(fetch.Offer);
        Assert.IsType<BeginFetch>(fetch.Offered(Offer, 5)[0]);
    }

    [Fact]
    public void A_newer_offer_replaces_the_fetch_an_older_one_does_not()
    {
        var fetch = new CheckpointFetch(Me, Options);
        fetch.Offered(Offer, 5);
        fetch.Received(ChunkAt(0, P));
        Assert.Empty(fetch.Offered(Offer with { Instance = 90, From = Q }, 5));
        Assert.Equal(10, fetch.Written);
        var newer = fetch.Offered(Offer with { Instance = 200, From = Q }, 5);
        Assert.IsType<BeginFetch>(newer[0]);
        Assert.Equal((200L, 0L), (fetch.Offer!.Instance, fetch.Written));
    }

    [Fact]
    public void A_source_that_lost_the_file_is_dropped_and_a_broken_file_is_fetched_again_from_the_start()
    {
        var fetch = new CheckpointFetch(Me, Options);
        fetch.Offered(Offer, 5);
        fetch.Offered(Offer with { From = Q }, 5);
        fetch.Received(ChunkAt(0, P));
        var moved = fetch.Received(CheckpointFetch.Chunk(P, new ChunkRequest(100, Me, Offer.FileChecksum, 10, 10), []));
        Assert.Equal([10L, 20L], Asked(moved, Q));

        var again = fetch.Broken();
        Assert.IsType<BeginFetch>(again[0]);
        Assert.Equal(0, fetch.Written);
        Assert.Equal([0L, 10L], Asked(again, Q));

        Assert.Empty(fetch.Received(CheckpointFetch.Chunk(Q, new ChunkRequest(100, Me, Offer.FileChecksum, 0, 10), [])));
        Assert.Null(fetch.Offer);
    }

    [Fact]
    public void A_partial_file_from_an_earlier_life_is_gone_on_from_its_last_whole_chunk_when_the_same_file_is_offered()
    {
        var fetch = new CheckpointFetch(Me, Options);
        fetch.Partial(new PartialFetch(100, File.Length, Offer.FileChecksum, Have: 27));
        var start = fetch.Offered(Offer, 5);
        Assert.Equal(new BeginFetch(Offer, 20), start[0]);
        Assert.Equal([20L, 30L], Asked(start, P));
        Assert.Equal(20, fetch.Written);

        Assert.Equal(20, Assert.Single(fetch.Received(ChunkAt(20, P)).OfType<WriteChunk>()).Offset);
        var last = fetch.Received(ChunkAt(30, P));
        Assert.Equal(30, Assert.Single(last.OfType<WriteChunk>()).Offset);
        Assert.Contains(new InstallCheckpoint(Offer), last);

        // A file that then fails its whole check is fetched again from the start.
        Assert.Equal(new BeginFetch(Offer, 0), fetch.Broken()[0]);
    }

    [Theory]
    [InlineData(101, 35, 0UL, 20)]
    [InlineData(100, 36, 0UL, 20)]
    [InlineData(100, 35, 1UL, 20)]
    [InlineData(100, 35, 0UL, 0)]
    [InlineData(100, 35, 0UL, 35)]
    public void A_partial_file_of_another_checkpoint_or_with_nothing_or_everything_in_it_starts_anew(long instance, long length, ulong checksumDelta, long have)
    {
        var fetch = new CheckpointFetch(Me, Options);
        fetch.Partial(new PartialFetch(instance, length, Offer.FileChecksum + checksumDelta, have));
        Assert.Equal(new BeginFetch(Offer, 0), fetch.Offered(Offer, 5)[0]);
        Assert.Equal(0, fetch.Written);
    }

    [Fact]
    public void A_partial_file_serves_one_fetch_only()
    {
        var fetch = new CheckpointFetch(Me, Options);
        fetch.Partial(new PartialFetch(100, File.Length, Offer.FileChecksum, 20));
        fetch.Offered(Offer with { Instance = 90 }, 5);
        fetch.Finished();
        Assert.Equal(new BeginFetch(Offer, 0), fetch.Offered(Offer, 5)[0]);
    }

    [Fact]
    public void The_source_is_the_peer_asked_now_and_none_when_not_fetching()
    {
        var fetch = new CheckpointFetch(Me, Options);
        Assert.Equal(NodeId.None, fetch.Source);
        fetch.Offered(Offer, 5);
        fetch.Offered(Offer with { From = Q }, 5);
        Assert.Equal(P, fetch.Source);
        fetch.OnTick();
        Assert.Equal(Q, fetch.Source);
        fetch.Finished();
        Assert.Equal(NodeId.None, fetch.Source);
    }

    [Fact]
    public void A_chunk_beyond_the_window_asked_for_is_not_kept()
    {
        var fetch = new CheckpointFetch(Me, Options);
        fetch.Offered(Offer, 5);
        Assert.Empty(fetch.Received(ChunkAt(20, P)));
        fetch.Received(ChunkAt(0, P));
        var next = fetch.Received(ChunkAt(10, P));
        Assert.Equal([10L], next.OfType<WriteChunk>().Select(w => w.Offset));
        Assert.Equal(20, fetch.Written);
    }

    [Fact]
    public void A_broken_file_when_not_fetching_changes_nothing()
    {
        var fetch = new CheckpointFetch(Me, Options);
        Assert.Empty(fetch.Broken());
        fetch.Offered(Offer, 5);
        fetch.Finished();
        Assert.Empty(fetch.Broken());
    }

    [Fact]
    public void A_broken_file_is_fetched_again_from_the_next_source()
    {
        var fetch = new CheckpointFetch(Me, Options);
        fetch.Offered(Offer, 5);
        fetch.Offered(Offer with { From = Q }, 5);
        var again = fetch.Broken();
        Assert.Equal(new BeginFetch(Offer, 0), again[0]);
        Assert.Equal([0L, 10L], Asked(again, Q));
    }

    [Fact]
    public void A_newer_offer_asks_only_its_own_source_and_forgets_the_chunks_held_of_the_older_file()
    {
        var file2 = File.Reverse().ToArray();
        var offer2 = new CheckpointOffer(200, Q, file2.Length, XxHash64.HashToUInt64(file2));
        var fetch = new CheckpointFetch(Me, Options);
        fetch.Offered(Offer, 5);
        fetch.Received(ChunkAt(10, P));
        var newer = fetch.Offered(offer2, 5);
        Assert.Equal([0L, 10L], Asked(newer, Q));
        Assert.Empty(Asked(newer, P));
        var first = fetch.Received(CheckpointFetch.Chunk(Q, new ChunkRequest(200, Me, offer2.FileChecksum, 0, 10), file2[..10]));
        Assert.Equal([0L], first.OfType<WriteChunk>().Select(w => w.Offset));
        Assert.Equal(10, fetch.Written);
    }

    [Fact]
    public void Nothing_is_asked_past_the_end_of_a_file_of_whole_chunks()
    {
        var file = File[..30];
        var offer = new CheckpointOffer(100, P, 30, XxHash64.HashToUInt64(file));
        CheckpointChunk At(long offset) => CheckpointFetch.Chunk(P, new ChunkRequest(100, Me, offer.FileChecksum, offset, 10), file[(int)offset..(int)(offset + 10)]);
        var fetch = new CheckpointFetch(Me, Options);
        fetch.Offered(offer, 5);
        fetch.Received(At(0));
        Assert.Empty(Asked(fetch.Received(At(10)), P));
        Assert.Contains(new InstallCheckpoint(offer), fetch.Received(At(20)));
    }

    [Fact]
    public void Each_transfer_branch_counts()
    {
        using var probe = new ThreadCounterProbe();
        var fetch = new CheckpointFetch(Me, Options);
        fetch.Partial(new PartialFetch(100, File.Length, Offer.FileChecksum, Have: 20));
        fetch.Offered(Offer, 5);
        fetch.Offered(Offer with { From = Q }, 5);
        var good = ChunkAt(20, P);
        var flipped = good.Data.ToArray();
        flipped[0] ^= 1;
        fetch.Received(good with { Data = flipped });
        fetch.Received(ChunkAt(20, P));
        fetch.Received(ChunkAt(30, P));
        fetch.Broken();
        fetch.OnTick();
        fetch.Received(CheckpointFetch.Chunk(Q, new ChunkRequest(100, Me, Offer.FileChecksum, 0, 10), []));
        for (var i = 0; i < CheckpointFetch.IdleTicks; i++)
        {
            fetch.OnTick();
        }

        probe.Expect(
            ("transfer.started", 1),
            ("transfer.resumed_from_disk", 1),
            ("transfer.chunk_corrupt", 1),
            ("transfer.received", 1),
            ("transfer.file_corrupt", 1),
            ("transfer.resumed", 4),
            ("transfer.source_lost_file", 1),
            ("transfer.abandoned", 1));
    }
}
