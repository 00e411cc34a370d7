namespace PaxosActors.Core.Tests.Reads;

/// <summary>The read barrier: a majority's largest read index, rounds that begin after their reads, retries and deadlines.</summary>
public sealed class ReadBarrierTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3), D = new(4);
    private static readonly Membership Three = new([A, B, C]);

    [Fact]
    public void A_round_asks_every_member_and_a_majority_gives_the_largest_index()
    {
        var barrier = new ReadBarrier(A, 100);
        var sent = barrier.Begin(read: 1, now: 0, deadline: 1_000, Three);
        Assert.Equal([A, B, C], sent.OfType<Send>().Select(s => s.To));
        Assert.All(sent.OfType<Send>(), s => Assert.Equal(new ReadIndexRequest(0, A, 1), s.Message));

        Assert.Empty(barrier.Answer(new ReadIndexReply(7, B, 1), 1, Three).Ready);
        Assert.Empty(barrier.Answer(new ReadIndexReply(99, D, 1), 1, Three).Ready);
        Assert.Empty(barrier.Answer(new ReadIndexReply(50, C, 0), 1, Three).Ready);
        var (ready, effects) = barrier.Answer(new ReadIndexReply(5, A, 1), 2, Three);
        Assert.Equal([new ReadReady(1, 7)], ready);
        Assert.Empty(effects);
        Assert.Equal(0, barrier.Waiting);
    }

    [Fact]
    public void A_read_that_arrives_while_a_round_is_out_waits_for_the_next_round()
    {
        var barrier = new ReadBarrier(A, 100);
        barrier.Begin(1, 0, 1_000, Three);
        Assert.Empty(barrier.Begin(2, 1, 1_000, Three));
        barrier.Answer(new ReadIndexReply(3, A, 1), 2, Three);
        var (ready, next) = barrier.Answer(new ReadIndexReply(4, B, 1), 2, Three);
        Assert.Equal([new ReadReady(1, 4)], ready);
        Assert.All(next.OfType<Send>(), s => Assert.Equal(2, ((ReadIndexRequest)s.Message).Round));

        // The old round's late answer counts for nothing now.
        Assert.Empty(barrier.Answer(new ReadIndexReply(4, C, 1), 3, Three).Ready);
        barrier.Answer(new ReadIndexReply(6, C, 2), 3, Three);
        Assert.Equal([new ReadReady(2, 9)], barrier.Answer(new ReadIndexReply(9, A, 2), 3, Three).Ready);
    }

    [Fact]
    public void A_round_without_a_majority_is_sent_again_and_reads_past_their_deadline_give_up()
    {
        var barrier = new ReadBarrier(A, 100);
        barrier.Begin(1, 0, 250, Three);
        barrier.Answer(new ReadIndexReply(3, A, 1), 10, Three);
        Assert.Empty(barrier.Tick(99, Three).Effects);
        var (expired, resent) = barrier.Tick(100, Three);
        Assert.Empty(expired);
        Assert.Equal(3, resent.Count);
        Assert.Equal(2, barrier.Round);

        // The first answer was for round 1: round 2 needs a majority of its own.
        Assert.Empty(barrier.Answer(new ReadIndexReply(3, B, 2), 120, Three).Ready);
        Assert.Equal([1L], barrier.Tick(250, Three).Expired);
        Assert.Equal(0, barrier.Waiting);
        Assert.Empty(barrier.Answer(new ReadIndexReply(3, C, 2), 260, Three).Ready);
    }

    [Fact]
    public void A_round_timeout_counts_from_when_the_round_began_and_a_quiet_barrier_sends_nothing()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReadBarrier(A, 0));
        var barrier = new ReadBarrier(A, 100);
        Assert.Empty(barrier.Tick(5_000, Three).Effects);
        barrier.Begin(1, 1_000, 5_000, Three);
        Assert.Empty(barrier.Tick(1_099, Three).Effects);
        Assert.Equal(3, barrier.Tick(1_100, Three).Effects.Count);
    }

    [Fact]
    public void An_empty_log_is_an_index_too()
    {
        var barrier = new ReadBarrier(A, 100);
        barrier.Begin(1, 0, 1_000, Three);
        barrier.Answer(new ReadIndexReply(0, A, 1), 1, Three);
        Assert.Equal([new ReadReady(1, 0)], barrier.Answer(new ReadIndexReply(0, B, 1), 1, Three).Ready);
    }

    [Fact]
    public void A_read_whose_deadline_has_come_is_not_run_and_the_next_read_starts_a_round_at_once()
    {
        var barrier = new ReadBarrier(A, 100);
        barrier.Begin(1, 0, 50, Three);
        barrier.Answer(new ReadIndexReply(2, A, 1), 10, Three);
        Assert.Empty(barrier.Answer(new ReadIndexReply(2, B, 1), 50, Three).Ready);

        // The round is over: a new read does not wait for an answer that will never come.
        Assert.Equal(3, barrier.Begin(2, 60, 1_000, Three).OfType<Send>().Count());
    }

    [Fact]
    public void Reads_waiting_for_the_next_round_expire_too_and_never_run_after()
    {
        var barrier = new ReadBarrier(A, 100);
        barrier.Begin(1, 0, 1_000, Three);
        barrier.Begin(2, 1, 20, Three);
        var (expired, _) = barrier.Tick(20, Three);
        Assert.Equal([2L], expired);
        Assert.Equal(1, barrier.Waiting);

        barrier.Answer(new ReadIndexReply(4, A, 1), 30, Three);
        var (ready, next) = barrier.Answer(new ReadIndexReply(4, B, 1), 30, Three);
        Assert.Equal([new ReadReady(1, 4)], ready);
        Assert.Empty(next);
    }

    [Fact]
    public void When_every_read_of_a_round_expired_the_round_is_dropped_and_the_next_read_begins_one()
    {
        var barrier = new ReadBarrier(A, 100);
        barrier.Begin(1, 0, 20, Three);
        Assert.Equal([1L], barrier.Tick(20, Three).Expired);
        Assert.Equal(3, barrier.Begin(2, 30, 1_000, Three).OfType<Send>().Count());
        Assert.Equal(2, barrier.Round);
    }
}
