using PaxosActors.Actors;
using PaxosActors.Core;

namespace PaxosActors.Tests.Actors;

/// <summary>The learner's filter that runs each command once, whatever reaches the log twice.</summary>
public sealed class DuplicateFilterTests
{
    private static readonly NodeId A = new(1), B = new(2);

    [Fact]
    public void A_command_runs_once_in_any_order_and_each_origin_and_session_counts_apart()
    {
        var filter = new DuplicateFilter();
        foreach (var s in new long[] { 1, 3, 2, 5 })
        {
            Assert.True(filter.FirstTime(A, 7, s));
        }

        foreach (var s in new long[] { 1, 2, 3, 5 })
        {
            Assert.False(filter.FirstTime(A, 7, s));
        }

        Assert.True(filter.FirstTime(A, 7, 4));
        Assert.True(filter.FirstTime(A, 8, 1));
        Assert.True(filter.FirstTime(B, 7, 1));
    }

    [Fact]
    public void The_window_slides_and_a_command_far_behind_its_session_counts_as_a_repeat()
    {
        var filter = new DuplicateFilter();
        Assert.True(filter.FirstTime(A, 1, 10));
        Assert.True(filter.FirstTime(A, 1, 10 + DuplicateFilter.Window - 1));
        Assert.True(filter.FirstTime(A, 1, 11));
        Assert.False(filter.FirstTime(A, 1, 10 + DuplicateFilter.Window - 1));

        // Sliding past a slot clears it for its new sequence number.
        Assert.True(filter.FirstTime(A, 1, 11 + DuplicateFilter.Window));
        Assert.False(filter.FirstTime(A, 1, 11));
        Assert.True(filter.FirstTime(A, 1, 11 + (3 * DuplicateFilter.Window)));
        Assert.True(filter.FirstTime(A, 1, 12 + (2 * DuplicateFilter.Window)));
    }

    [Fact]
    public void The_four_latest_sessions_of_an_origin_are_remembered()
    {
        var filter = new DuplicateFilter();
        for (var session = 1; session <= 4; session++)
        {
            Assert.True(filter.FirstTime(A, session, 1));
        }

        Assert.False(filter.FirstTime(A, 1, 1));
        Assert.True(filter.FirstTime(A, 5, 1));
        Assert.False(filter.FirstTime(A, 1, 1));
        Assert.True(filter.FirstTime(A, 2, 1));
    }
}
