namespace PaxosActors.Core.Tests.Members;

/// <summary>When a learner may get its vote: past its own join, close to the log, before the deadline.</summary>
public sealed class CatchUpWatchTests
{
    private static readonly NodeId D = new(4);

    [Fact]
    public void A_learner_that_asked_past_its_join_and_within_the_slack_is_caught_up()
    {
        var watch = new CatchUpWatch(D, joinedAt: 50, slack: 10, now: 0, TimeSpan.FromSeconds(5));
        Assert.Equal(CatchUpVerdict.Waiting, watch.Check(local: 100, now: 10));

        watch.Observed(80);
        Assert.Equal(CatchUpVerdict.Waiting, watch.Check(local: 100, now: 20));

        watch.Observed(90);
        Assert.Equal(CatchUpVerdict.CaughtUp, watch.Check(local: 100, now: 30));
        watch.Observed(40);
        Assert.Equal(90, watch.Asked);
    }

    [Fact]
    public void Asking_from_the_join_itself_is_not_enough_even_with_a_wide_slack()
    {
        var watch = new CatchUpWatch(D, joinedAt: 50, slack: 1000, now: 0, TimeSpan.FromSeconds(5));
        watch.Observed(50);
        Assert.Equal(CatchUpVerdict.Waiting, watch.Check(local: 51, now: 0));
        watch.Observed(51);
        Assert.Equal(CatchUpVerdict.CaughtUp, watch.Check(local: 51, now: 0));
    }

    [Fact]
    public void A_learner_still_behind_at_the_deadline_times_out()
    {
        var watch = new CatchUpWatch(D, joinedAt: 5, slack: 0, now: 1_000, TimeSpan.FromMilliseconds(500));
        watch.Observed(6);
        Assert.Equal(CatchUpVerdict.Waiting, watch.Check(local: 9, now: 1_499));
        Assert.Equal(CatchUpVerdict.TimedOut, watch.Check(local: 9, now: 1_500));
        Assert.Equal(CatchUpVerdict.CaughtUp, watch.Check(local: 6, now: 2_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CatchUpWatch(D, -1, 0, 0, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CatchUpWatch(D, 0, -1, 0, TimeSpan.Zero));
    }
}
