namespace PaxosActors.Core.Tests;

/// <summary>The learners' filter: each command runs once, and a floor settles what never ran.</summary>
public sealed class DuplicateFilterTests
{
    private static readonly NodeId A = new(1), B = new(2);

    [Fact]
    public void A_command_runs_once_in_any_order_and_each_origin_counts_apart()
    {
        var filter = new DuplicateFilter();
        foreach (var s in new long[] { 1, 3, 2, 5 })
        {
            Assert.True(filter.Admit(Command(A, 7, s)).Runs);
        }

        foreach (var s in new long[] { 1, 2, 3, 5 })
        {
            Assert.Equal(AdmitVerdict.Duplicate, filter.Admit(Command(A, 7, s)).Verdict);
        }

        Assert.True(filter.Admit(Command(A, 7, 4)).Runs);
        Assert.True(filter.Admit(Command(B, 7, 1)).Runs);
    }

    [Fact]
    public void A_newer_session_closes_the_older_ones_for_good()
    {
        var filter = new DuplicateFilter();
        Assert.True(filter.Admit(Command(A, 1, 1)).Runs);
        Assert.True(filter.Admit(Command(A, 2, 1)).Runs);

        // A late copy from session 1, even of a command that never ran there, never runs.
        Assert.Equal(AdmitVerdict.SessionClosed, filter.Admit(Command(A, 1, 2)).Verdict);
        Assert.Equal(AdmitVerdict.Duplicate, filter.Admit(Command(A, 2, 1)).Verdict);
        Assert.True(filter.Admit(Command(A, 3, 1)).Runs);
        Assert.Equal(AdmitVerdict.SessionClosed, filter.Admit(Command(A, 2, 2)).Verdict);
    }

    [Fact]
    public void A_floor_settles_every_command_below_it_that_has_not_run()
    {
        var filter = new DuplicateFilter();
        Assert.True(filter.Admit(Command(A, 1, 2)).Runs);
        var admission = filter.Admit(Command(A, 1, 6, floor: 5));
        Assert.True(admission.Runs);
        Assert.Equal(5, admission.FloorRaised);

        // 1, 3 and 4 never ran: now they never will; 5 is above the floor and still may.
        Assert.Equal(AdmitVerdict.Duplicate, filter.Admit(Command(A, 1, 1)).Verdict);
        Assert.Equal(AdmitVerdict.Duplicate, filter.Admit(Command(A, 1, 4)).Verdict);
        Assert.True(filter.Admit(Command(A, 1, 5)).Runs);
        Assert.Equal(0, filter.Admit(Command(A, 1, 7, floor: 3)).FloorRaised);
    }

    [Fact]
    public void Sequence_numbers_far_apart_cost_no_work_proportional_to_the_gap()
    {
        // A hostile or corrupt value once made the windowed filter loop 2^64 times.
        var filter = new DuplicateFilter();
        Assert.True(filter.Admit(Command(A, 1, 1)).Runs);
        Assert.True(filter.Admit(Command(A, 1, long.MaxValue)).Runs);
        Assert.True(filter.Admit(Command(A, 1, 2)).Runs);
        Assert.True(filter.Admit(Command(A, 1, long.MaxValue - 1, floor: long.MaxValue - 1)).Runs);
        Assert.Equal(AdmitVerdict.Duplicate, filter.Admit(Command(A, 1, 3)).Verdict);
        Assert.Equal(AdmitVerdict.Duplicate, filter.Admit(Command(A, 1, long.MaxValue)).Verdict);
    }

    [Fact]
    public void Commands_from_logs_before_floors_are_deduplicated_one_by_one()
    {
        var filter = new DuplicateFilter();
        var legacy = new StoredCommand(A, -5, 9, StoredCommand.LegacyFloor, 1, 1, string.Empty, []);
        Assert.True(filter.Admit(legacy).Runs);
        Assert.False(filter.Admit(legacy).Runs);
        Assert.True(filter.Admit(legacy with { Sequence = 3 }).Runs);
    }

    internal static StoredCommand Command(NodeId origin, long session, long sequence, long floor = 1) =>
        new(origin, session, sequence, floor, 1, 1, string.Empty, []);
}

/// <summary>The filter's edges, written against the mutation run (docs/testing.md).</summary>
public sealed class DuplicateFilterEdgeTests
{
    private static readonly NodeId A = new(1), B = new(2);

    private static StoredCommand Command(NodeId origin, long session, long sequence, long floor = 1) => DuplicateFilterTests.Command(origin, session, sequence, floor);

    [Fact]
    public void Legacy_commands_count_apart_per_origin_and_session_and_raise_no_floor()
    {
        var filter = new DuplicateFilter();
        var legacy = new StoredCommand(A, 4, 9, StoredCommand.LegacyFloor, 1, 1, string.Empty, []);
        Assert.Equal(new Admission(AdmitVerdict.Run, 0), filter.Admit(legacy));
        Assert.Equal(new Admission(AdmitVerdict.Duplicate, 0), filter.Admit(legacy));
        Assert.True(filter.Admit(legacy with { Session = 5 }).Runs);
        Assert.True(filter.Admit(legacy with { Origin = B }).Runs);

        // Legacy commands leave the floors of the current format alone.
        Assert.True(filter.Admit(Command(A, 4, 9)).Runs);
    }

    [Fact]
    public void A_floor_at_the_low_mark_plus_one_is_no_news_and_one_above_is()
    {
        var filter = new DuplicateFilter();
        Assert.Equal(new Admission(AdmitVerdict.Run, 0), filter.Admit(Command(A, 1, 1)));
        Assert.Equal(new Admission(AdmitVerdict.Run, 0), filter.Admit(Command(A, 1, 2, floor: 2)));
        Assert.Equal(new Admission(AdmitVerdict.Run, 4), filter.Admit(Command(A, 1, 5, floor: 4)));
        Assert.Equal(AdmitVerdict.Duplicate, filter.Admit(Command(A, 1, 3)).Verdict);
        Assert.True(filter.Admit(Command(A, 1, 4)).Runs);
        Assert.Equal(AdmitVerdict.Duplicate, filter.Admit(Command(A, 1, 5)).Verdict);
        Assert.True(filter.Admit(Command(A, 1, 6)).Runs);
    }

    [Fact]
    public void A_floor_drops_the_runs_below_it_and_compacts_the_runs_just_above_it()
    {
        var filter = new DuplicateFilter();
        foreach (var s in new long[] { 2, 3, 6, 7, 9 })
        {
            Assert.True(filter.Admit(Command(A, 1, s)).Runs);
        }

        // Floor 5: 1..4 are settled, 5 and 8 may still run; 6, 7, 9 and 10 ran.
        Assert.Equal(new Admission(AdmitVerdict.Run, 5), filter.Admit(Command(A, 1, 10, floor: 5)));
        Assert.Equal(AdmitVerdict.Duplicate, filter.Admit(Command(A, 1, 4)).Verdict);
        Assert.Equal(AdmitVerdict.Duplicate, filter.Admit(Command(A, 1, 7)).Verdict);
        Assert.Equal(AdmitVerdict.Duplicate, filter.Admit(Command(A, 1, 9)).Verdict);
        Assert.Equal(AdmitVerdict.Duplicate, filter.Admit(Command(A, 1, 10)).Verdict);

        // 5 runs and the low mark compacts over 6 and 7: a floor of 8 is then no news.
        Assert.True(filter.Admit(Command(A, 1, 5)).Runs);
        Assert.Equal(new Admission(AdmitVerdict.Run, 0), filter.Admit(Command(A, 1, 8, floor: 8)));
        Assert.True(filter.Admit(Command(A, 1, 11)).Runs);
    }

    [Fact]
    public void A_duplicate_still_reports_the_floor_it_raised()
    {
        var filter = new DuplicateFilter();
        Assert.True(filter.Admit(Command(A, 1, 5)).Runs);
        Assert.Equal(new Admission(AdmitVerdict.Duplicate, 5), filter.Admit(Command(A, 1, 5, floor: 5)));
    }

    [Fact]
    public void A_new_session_starts_from_no_low_mark_and_closed_sessions_raise_nothing()
    {
        var filter = new DuplicateFilter();
        Assert.Equal(new Admission(AdmitVerdict.Run, 10), filter.Admit(Command(A, 1, 10, floor: 10)));
        Assert.Equal(new Admission(AdmitVerdict.Run, 0), filter.Admit(Command(A, 2, 1)));
        Assert.Equal(new Admission(AdmitVerdict.SessionClosed, 0), filter.Admit(Command(A, 1, 20, floor: 20)));
        Assert.True(filter.Admit(Command(A, 2, 2)).Runs);
        Assert.False(new Admission(AdmitVerdict.SessionClosed, 0).Runs);
    }

    [Fact]
    public void The_deliberate_bug_runs_everything()
    {
        var filter = new DuplicateFilter(DeliberateBugs.DuplicateFilterOff);
        Assert.True(filter.Admit(Command(A, 1, 1)).Runs);
        Assert.True(filter.Admit(Command(A, 1, 1)).Runs);
        Assert.Equal(new Admission(AdmitVerdict.Run, 0), filter.Admit(Command(A, 1, 9, floor: 9)));
    }

    [Fact]
    public void A_floor_forgets_a_run_at_its_own_level_so_the_low_mark_keeps_compacting()
    {
        var filter = new DuplicateFilter();
        Assert.True(filter.Admit(Command(A, 1, 5)).Runs);
        Assert.Equal(new Admission(AdmitVerdict.Run, 6), filter.Admit(Command(A, 1, 7, floor: 6)));
        Assert.True(filter.Admit(Command(A, 1, 6)).Runs);

        // 1..7 are settled now: a floor of 8 is no news.
        Assert.Equal(new Admission(AdmitVerdict.Run, 0), filter.Admit(Command(A, 1, 9, floor: 8)));
    }

    [Fact]
    public void Raising_a_floor_compacts_over_the_runs_just_above_it_at_once()
    {
        var filter = new DuplicateFilter();
        Assert.True(filter.Admit(Command(A, 1, 5)).Runs);
        Assert.True(filter.Admit(Command(A, 1, 6)).Runs);

        // A late copy of 5 carries floor 5: 1..4 settled, and 5 and 6 ran, so 1..6 are settled.
        Assert.Equal(new Admission(AdmitVerdict.Duplicate, 5), filter.Admit(Command(A, 1, 5, floor: 5)));
        Assert.Equal(new Admission(AdmitVerdict.Run, 0), filter.Admit(Command(A, 1, 7, floor: 7)));
    }
}
