namespace PaxosActors.Linearizability.Tests;

/// <summary>
/// The append-order method on small append-only histories whose verdicts are clear by hand, one
/// rule of <c>AppendOrder</c>'s reasoning each, and when the checker falls back to the search.
/// </summary>
public sealed class AppendOrderTests
{
    private static string Append(string value, long call, long? ret, int client = 0) =>
        ret is { } r ? $$"""{"client":{{client}},"op":"append","key":"x","value":"{{value}}","call":{{call}},"return":{{r}}}"""
        : $$"""{"client":{{client}},"op":"append","key":"x","value":"{{value}}","call":{{call}},"status":"info"}""";

    private static string Get(string? output, long call, long ret, int client = 1) =>
        $$"""{"client":{{client}},"op":"get","key":"x","output":{{(output is null ? "null" : $"\"{output}\"")}},"call":{{call}},"return":{{ret}}}""";

    private static CheckResult Check(params string[] ops)
    {
        var result = Checker.Check(HistoryReader.Read("{\"ops\":[" + string.Join(",", ops) + "]}"), TimeSpan.FromSeconds(5));
        Assert.All(result.PerKey, k => Assert.Equal(KeyMethod.AppendOrder, k.Method));
        return result;
    }

    private static Verdict VerdictOf(params string[] ops) => Check(ops).Verdict;

    [Fact]
    public void Concurrent_appends_may_be_seen_in_either_order_but_every_read_must_agree()
    {
        Assert.Equal(Verdict.Linearizable, VerdictOf(Append("a;", 0, 10), Append("b;", 5, 15), Get("a;b;", 20, 30)));
        Assert.Equal(Verdict.Linearizable, VerdictOf(Append("a;", 0, 10), Append("b;", 5, 15), Get("b;a;", 20, 30), Get("b;", 6, 40)));
        var result = Check(Append("a;", 0, 10), Append("b;", 5, 15), Get("b;a;", 20, 30), Get("a;b;", 20, 30));
        Assert.Equal(Verdict.NotLinearizable, result.Verdict);
        Assert.Contains("neither is a prefix of the other", result.Reason);
    }

    [Fact]
    public void Appends_are_seen_in_an_order_real_time_allows()
    {
        // a returned before b was called, so no read can show b before a.
        var result = Check(Append("a;", 0, 1), Append("b;", 2, 3), Get("b;a;", 4, 5));
        Assert.Equal(Verdict.NotLinearizable, result.Verdict);
        Assert.Contains("returned before the call of", result.Reason);

        // Touching intervals are concurrent.
        Assert.Equal(Verdict.Linearizable, VerdictOf(Append("a;", 0, 2), Append("b;", 2, 3), Get("b;a;", 4, 5)));
    }

    [Fact]
    public void A_read_cannot_see_an_append_called_after_it_returned()
    {
        Assert.Equal(Verdict.NotLinearizable, VerdictOf(Get("a;", 0, 1), Append("a;", 2, 3)));
        Assert.Equal(Verdict.Linearizable, VerdictOf(Get("a;", 0, 2), Append("a;", 2, 3)));
    }

    [Fact]
    public void A_read_must_see_every_append_that_returned_before_it_was_called()
    {
        var result = Check(Append("a;", 0, 1), Get(null, 2, 3));
        Assert.Equal(Verdict.NotLinearizable, result.Verdict);
        Assert.Contains("does not see", result.Reason);
        Assert.Equal(Verdict.Linearizable, VerdictOf(Append("a;", 0, 3), Get(null, 2, 3)));

        // b is seen by no read, yet returned before the read was called.
        Assert.Equal(Verdict.NotLinearizable, VerdictOf(Append("a;", 0, 1), Append("b;", 2, 3), Get("a;", 4, 5)));

        // An append no read sees is fine while it may come after every read.
        Assert.Equal(Verdict.Linearizable, VerdictOf(Append("a;", 0, 1), Append("b;", 0, 100), Get("a;", 4, 5), Get("a;", 6, 7)));

        // And in the middle of the appends: a;c; seen, b missing though it returned before the read.
        Assert.Equal(Verdict.NotLinearizable, VerdictOf(Append("a;", 0, 1), Append("b;", 2, 3), Append("c;", 2, 50), Get("a;c;", 10, 11)));
    }

    [Fact]
    public void A_read_that_returned_before_another_was_called_cannot_see_more()
    {
        Assert.Equal(Verdict.NotLinearizable, VerdictOf(Append("a;", 0, 10), Get("a;", 1, 2), Get(null, 3, 4)));
        Assert.Equal(Verdict.Linearizable, VerdictOf(Append("a;", 0, 10), Get(null, 1, 2), Get("a;", 3, 4)));
        Assert.Equal(Verdict.Linearizable, VerdictOf(Append("a;", 0, 10), Get("a;", 1, 3), Get(null, 3, 4)));
    }

    [Fact]
    public void A_read_shows_only_values_appended_each_once()
    {
        var nobody = Check(Append("a;", 0, 1), Get("a;z;", 2, 3));
        Assert.Equal(Verdict.NotLinearizable, nobody.Verdict);
        Assert.Contains("no append wrote", nobody.Reason);

        var twice = Check(Append("a;", 0, 1), Get("a;a;", 2, 3));
        Assert.Equal(Verdict.NotLinearizable, twice.Verdict);
        Assert.Contains("twice", twice.Reason);

        // A failed append did not happen, so no read can show it.
        Assert.Equal(Verdict.NotLinearizable, VerdictOf("""{"op":"append","key":"x","value":"a;","call":0,"return":1,"status":"fail"}""", Get("a;", 2, 3)));

        // "" reads as absent, as in the search's model.
        Assert.Equal(Verdict.Linearizable, VerdictOf(Get(string.Empty, 0, 1), Append("a;", 2, 3), Get("a;", 4, 5)));
    }

    [Fact]
    public void An_append_of_unknown_outcome_may_happen_late_or_never_but_not_before_its_call()
    {
        Assert.Equal(Verdict.Linearizable, VerdictOf(Append("a;", 0, null), Get(null, 5, 6), Get("a;", 7, 8)));
        Assert.Equal(Verdict.Linearizable, VerdictOf(Append("a;", 0, null), Get(null, 7, 8)));
        Assert.Equal(Verdict.NotLinearizable, VerdictOf(Append("a;", 9, null), Get("a;", 1, 2)));

        // Seen, so it happened: in the order the reads show.
        Assert.Equal(Verdict.NotLinearizable, VerdictOf(Append("a;", 0, 1), Append("b;", 0, null), Get("b;", 2, 3)));
        Assert.Equal(Verdict.Linearizable, VerdictOf(Append("a;", 0, 1), Append("b;", 0, null), Get("b;a;", 2, 3)));
    }

    [Fact]
    public void A_cycle_is_explained_operation_by_operation()
    {
        var result = Check(Append("a;", 0, 1, client: 3), Append("b;", 2, 3, client: 4), Get("b;a;", 4, 5, client: 5));
        Assert.Equal("x", result.Key);
        Assert.Contains("append 'a;' by client 3 [0, 1]", result.Reason);
        Assert.Contains("append 'b;' by client 4 [2, 3]", result.Reason);
        Assert.EndsWith("the first", result.Reason);
    }

    [Theory]
    [InlineData("""{"op":"put","key":"x","value":"a;","call":0,"return":1}""")] // not append-only
    [InlineData("""{"op":"append","key":"x","value":"b;","call":0,"return":1}""")] // b; twice
    [InlineData("""{"op":"append","key":"x","value":"b;c","call":0,"return":1}""")] // b; is a prefix of b;c
    [InlineData("""{"op":"append","key":"x","value":"","call":0,"return":1}""")] // an empty append changes nothing a read could tell
    [InlineData("""{"op":"cas","key":"x","expected":"b;","value":"c;","ok":false,"call":0,"return":1}""")]
    [InlineData("""{"op":"delete","key":"x","call":0,"return":1}""")]
    public void Other_keys_fall_back_to_the_search(string other)
    {
        var json = "{\"ops\":[" + Append("b;", 0, 1) + "," + other + "," + Get("b;", 5, 6) + "," + Get(null, 0, 1).Replace("\"x\"", "\"y\"", StringComparison.Ordinal) + "]}";
        var result = Checker.Check(HistoryReader.Read(json), TimeSpan.FromSeconds(5));
        Assert.Equal(KeyMethod.Search, Assert.Single(result.PerKey, k => k.Key == "x").Method);
        Assert.Equal(KeyMethod.AppendOrder, Assert.Single(result.PerKey, k => k.Key == "y").Method);
    }

    [Fact]
    public void The_search_can_be_asked_for()
    {
        var history = HistoryReader.Read("{\"ops\":[" + Append("a;", 0, 1) + "," + Get("a;", 2, 3) + "]}");
        Assert.Equal(KeyMethod.Search, Assert.Single(Checker.Check(history, TimeSpan.FromSeconds(5), inferAppendOrder: false).PerKey).Method);
    }
}
