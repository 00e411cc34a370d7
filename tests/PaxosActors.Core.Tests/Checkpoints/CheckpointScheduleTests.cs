namespace PaxosActors.Core.Tests.Checkpoints;

/// <summary>When a checkpoint is due, and which stored checkpoint may start a group.</summary>
public sealed class CheckpointScheduleTests
{
    [Fact]
    public void One_is_due_every_n_executed_instances_counted_from_the_last_one_taken()
    {
        var schedule = new CheckpointSchedule(every: 10, lastTaken: 5);
        Assert.False(schedule.Due(14));
        Assert.True(schedule.Due(15));
        Assert.True(schedule.Due(16));
        Assert.False(new CheckpointSchedule(every: 0, lastTaken: 0).Due(1_000_000));
    }

    [Fact]
    public void None_is_due_while_one_is_being_taken_and_a_failed_one_keeps_the_last_taken()
    {
        var schedule = new CheckpointSchedule(10, 0);
        schedule.Started();
        Assert.False(schedule.Due(50));

        schedule.Finished(null);
        Assert.Equal(0, schedule.LastTaken);
        Assert.True(schedule.Due(50));

        schedule.Started();
        schedule.Finished(50);
        Assert.Equal(50, schedule.LastTaken);
        Assert.False(schedule.Due(59));
        Assert.True(schedule.Due(60));
    }

    [Fact]
    public void A_finished_checkpoint_older_than_the_last_taken_does_not_move_it_back()
    {
        var schedule = new CheckpointSchedule(10, 40);
        schedule.Started();
        schedule.Finished(40);
        Assert.Equal(40, schedule.LastTaken);
        schedule.Started();
        schedule.Finished(30);
        Assert.Equal(40, schedule.LastTaken);
        Assert.False(schedule.Due(49));
    }

    [Fact]
    public void The_newest_are_kept_and_the_journal_is_cut_behind_the_oldest_of_them_once_one_is_anchored()
    {
        var all = CheckpointSchedule.Retain([10, 40, 20, 30], keep: 2, durable: 100);
        Assert.Equal([20L, 10L], all.Delete);
        Assert.Equal(30, all.TruncateBehind);
    }

    [Fact]
    public void The_newest_checkpoint_the_durable_journal_reaches_is_kept_beside_the_newest()
    {
        // 30 and 40 lie past what the acceptor knows durable (taken or fetched ahead of it): a
        // crash may leave the journal ending before them, so 20 stays, and the cut waits behind it.
        var ahead = CheckpointSchedule.Retain([10, 20, 30, 40], keep: 2, durable: 25);
        Assert.Equal([10L], ahead.Delete);
        Assert.Equal(20, ahead.TruncateBehind);

        var one = CheckpointSchedule.Retain([10, 20, 30], keep: 1, durable: 20);
        Assert.Equal([10L], one.Delete);
        Assert.Equal(20, one.TruncateBehind);
    }

    [Fact]
    public void Nothing_anchored_allows_no_cut_and_deletes_only_beyond_keep()
    {
        var none = CheckpointSchedule.Retain([30, 40, 50], keep: 2, durable: 29);
        Assert.Equal([30L], none.Delete);
        Assert.Null(none.TruncateBehind);
        Assert.Equal(new CheckpointRetention([], null).TruncateBehind, CheckpointSchedule.Retain([], 2, 100).TruncateBehind);
        Assert.Empty(CheckpointSchedule.Retain([], 2, 100).Delete);
        Assert.Equal(20, CheckpointSchedule.Retain([20, 20], 2, 20).TruncateBehind);
    }

    [Fact]
    public void A_checkpoint_being_fetched_stays_and_holds_the_cut_behind_it()
    {
        var serving = CheckpointSchedule.Retain([10, 20, 30, 40], keep: 2, durable: 100, serving: [10, 99]);
        Assert.Equal([20L], serving.Delete);
        Assert.Equal(10, serving.TruncateBehind);
        Assert.Equal([20L, 10L], CheckpointSchedule.Retain([10, 20, 30, 40], keep: 2, durable: 100, serving: []).Delete);
    }

    [Fact]
    public void A_pin_lasts_the_hold_after_the_last_chunk_served()
    {
        var pins = new CheckpointPins(TimeSpan.FromMilliseconds(100));
        Assert.Empty(pins.Pinned(0));
        pins.Served(10, now: 1000);
        pins.Served(20, now: 1050);
        Assert.Equal([10L, 20L], pins.Pinned(1100).Order());
        Assert.Equal([20L], pins.Pinned(1101));
        pins.Served(20, now: 1140);
        Assert.Equal([20L], pins.Pinned(1240));
        Assert.Empty(pins.Pinned(1241));
    }

    private static readonly ulong[] Chain = [11, 22, 33, 44, 55, 66, 77, 88, 99, 111];

    [Fact]
    public void A_checkpoint_that_fits_the_log_has_no_misfit()
    {
        Assert.Null(CheckpointSchedule.Misfit(new("g", 0, Checksum.Initial), "g", 0, 10, ChecksumAt));
        Assert.Null(CheckpointSchedule.Misfit(new("g", 4, Chain[3]), "g", 0, 10, ChecksumAt));
        Assert.Null(CheckpointSchedule.Misfit(new("g", 10, Chain[9]), "g", 0, 10, ChecksumAt));
        Assert.Null(CheckpointSchedule.Misfit(new("g", 3, Chain[2]), "g", 3, 10, ChecksumAt));
    }

    [Fact]
    public void A_checkpoint_of_another_group_below_the_journal_past_the_log_or_of_another_history_does_not_fit()
    {
        Assert.Equal("it is of group 'h'", CheckpointSchedule.Misfit(new("h", 4, Chain[3]), "g", 0, 10, ChecksumAt));
        Assert.Equal(
            "it covers instances below 2 and the journal begins at 3: the instances in between are gone",
            CheckpointSchedule.Misfit(new("g", 2, Chain[1]), "g", 3, 10, ChecksumAt));
        Assert.Equal(
            "it covers instance 10 and the chosen log ends before 10",
            CheckpointSchedule.Misfit(new("g", 11, 1), "g", 0, 10, ChecksumAt));
        Assert.Equal(
            $"its checksum at instance 3 ({5UL:x16}) is not the log's ({Chain[3]:x16})",
            CheckpointSchedule.Misfit(new("g", 4, 5), "g", 0, 10, ChecksumAt));
    }

    private static ulong ChecksumAt(long instance) => instance < 0 ? Checksum.Initial : Chain[instance];
}
