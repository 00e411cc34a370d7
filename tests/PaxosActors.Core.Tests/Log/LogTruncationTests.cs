namespace PaxosActors.Core.Tests.Log;

public sealed class LogTruncationTests
{
    private static ProtocolOptions Options(long? keep = 10, long step = 100, int intervalMs = 500) =>
        new() { KeepInstances = keep, TruncateStepInstances = step, TruncateInterval = TimeSpan.FromMilliseconds(intervalMs) };

    private static LogTruncation WithMarks(ProtocolOptions options, long start = 0, params long[] marks)
    {
        var t = new LogTruncation(options, start);
        foreach (var m in marks)
        {
            t.Marked(m, m * 10);
        }

        return t;
    }

    [Fact]
    public void Nothing_is_cut_before_a_checkpoint_says_how_far()
    {
        var t = WithMarks(Options(), 0, 10, 20, 30);
        Assert.Null(t.Next(0));
        Assert.Equal(0, t.Target);
    }

    [Fact]
    public void It_cuts_at_the_farthest_mark_that_keeps_the_instances_before_the_oldest_checkpoint()
    {
        var t = WithMarks(Options(keep: 10), 0, 10, 20, 30, 40);
        t.Checkpointed(35);
        Assert.Equal(25, t.Target);
        Assert.Equal((20L, 200L), t.Next(0));
        Assert.True(t.IsDeleting);
        t.Deleted(0);
        Assert.Equal(20, t.Start);
        Assert.False(t.IsDeleting);
    }

    [Fact]
    public void The_target_never_goes_down_and_null_keep_never_cuts()
    {
        var t = WithMarks(Options(keep: 0), 0, 10, 20);
        t.Checkpointed(20);
        t.Checkpointed(5);
        Assert.Equal(20, t.Target);

        var never = WithMarks(Options(keep: null), 0, 10, 20);
        never.Checkpointed(1000);
        Assert.Null(never.Next(0));
    }

    [Fact]
    public void One_step_at_a_time_at_most_a_step_of_instances_then_a_pause()
    {
        var t = WithMarks(Options(keep: 0, step: 15, intervalMs: 500), 0, 10, 20, 30, 40);
        t.Checkpointed(40);
        Assert.Equal((10L, 100L), t.Next(0));
        Assert.Null(t.Next(1));
        t.Deleted(1);
        Assert.Null(t.Next(500));
        Assert.Equal((20L, 200L), t.Next(501));
        t.Failed(600);
        Assert.Null(t.Next(1099));
        Assert.Equal((20L, 200L), t.Next(1100));
        t.Deleted(1100);
        Assert.Equal(20, t.Start);
    }

    [Fact]
    public void Marks_farther_apart_than_a_step_still_get_cut_one_at_a_time()
    {
        var t = WithMarks(Options(keep: 0, step: 5, intervalMs: 500), 0, 100, 200);
        t.Checkpointed(300);
        Assert.Equal((100L, 1000L), t.Next(0));

        // The mark of a finished step is forgotten: the next step goes on to the next mark
        // instead of picking the journal's new start again, step after step.
        t.Deleted(0);
        Assert.Equal((200L, 2000L), t.Next(500));
    }

    [Fact]
    public void Marks_at_or_before_the_start_are_ignored()
    {
        var t = WithMarks(Options(keep: 0), 50, 40, 50, 60);
        t.Checkpointed(100);
        Assert.Equal((60L, 600L), t.Next(0));
    }

    [Fact]
    public void An_installed_checkpoint_voids_older_marks_and_lets_everything_before_it_go()
    {
        var t = WithMarks(Options(keep: 1000), 0, 10, 20);
        t.Installed(500);
        Assert.Null(t.Next(0));
        t.Failed(0);
        t.Marked(500, 5000);
        Assert.Equal((500L, 5000L), t.Next(1000));
    }
}
