namespace PaxosActors.Linearizability.Tests;

/// <summary>Small histories whose verdicts are clear by hand.</summary>
public sealed class CheckerTests
{
    private static Verdict Check(string json) => Checker.Check(HistoryReader.Read(json), TimeSpan.FromSeconds(5)).Verdict;

    [Fact]
    public void A_read_after_a_completed_write_must_see_it()
    {
        Assert.Equal(Verdict.Linearizable, Check("""{"ops":[{"op":"put","key":"x","value":"1","call":0,"return":1},{"op":"get","key":"x","output":"1","call":2,"return":3}]}"""));
        Assert.Equal(Verdict.NotLinearizable, Check("""{"ops":[{"op":"put","key":"x","value":"1","call":0,"return":1},{"op":"get","key":"x","output":null,"call":2,"return":3}]}"""));
    }

    [Fact]
    public void A_read_concurrent_with_a_write_may_see_either()
    {
        Assert.Equal(Verdict.Linearizable, Check("""{"ops":[{"op":"put","key":"x","value":"1","call":0,"return":10},{"op":"get","key":"x","output":null,"call":2,"return":3},{"op":"get","key":"x","output":"1","call":4,"return":5}]}"""));
        Assert.Equal(Verdict.NotLinearizable, Check("""{"ops":[{"op":"put","key":"x","value":"1","call":0,"return":10},{"op":"get","key":"x","output":"1","call":2,"return":3},{"op":"get","key":"x","output":null,"call":4,"return":5}]}"""));
    }

    [Fact]
    public void A_write_of_unknown_outcome_may_happen_late_or_never()
    {
        const string late = """{"ops":[{"op":"put","key":"x","value":"1","call":0,"status":"info"},{"op":"get","key":"x","call":5,"return":6},{"op":"get","key":"x","output":"1","call":7,"return":8}]}""";
        Assert.Equal(Verdict.Linearizable, Check(late));
        Assert.Equal(Verdict.Linearizable, Check("""{"ops":[{"op":"put","key":"x","value":"1","call":0},{"op":"get","key":"x","output":null,"call":7,"return":8}]}"""));
        Assert.Equal(Verdict.NotLinearizable, Check("""{"ops":[{"op":"put","key":"x","value":"1","call":9,"status":"info"},{"op":"get","key":"x","output":"1","call":1,"return":2}]}"""));
    }

    [Fact]
    public void A_failed_op_did_not_happen()
    {
        Assert.Equal(Verdict.NotLinearizable, Check("""{"ops":[{"op":"put","key":"x","value":"1","call":0,"return":1,"status":"fail"},{"op":"get","key":"x","output":"1","call":2,"return":3}]}"""));
    }

    [Fact]
    public void Cas_and_append_follow_their_rules_and_keys_are_independent()
    {
        Assert.Equal(Verdict.Linearizable, Check("""{"ops":[{"op":"put","key":"x","value":"a","call":0,"return":1},{"op":"cas","key":"x","expected":"a","value":"b","ok":true,"call":2,"return":3},{"op":"cas","key":"x","expected":"a","value":"c","ok":false,"call":4,"return":5},{"op":"append","key":"x","value":"z","call":6,"return":7},{"op":"get","key":"x","output":"bz","call":8,"return":9},{"op":"get","key":"y","output":null,"call":8,"return":9}]}"""));
        Assert.Equal(Verdict.NotLinearizable, Check("""{"ops":[{"op":"put","key":"x","value":"a","call":0,"return":1},{"op":"cas","key":"x","expected":"a","value":"b","ok":false,"call":2,"return":3}]}"""));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"nope":[]}""")]
    [InlineData("""{"ops":[{"op":"fly","key":"x","call":0,"return":1}]}""")]
    [InlineData("""{"ops":[{"op":"put","key":"x","call":0,"return":1}]}""")]
    [InlineData("""{"ops":[{"op":"get","key":"x","call":5,"return":1}]}""")]
    [InlineData("""{"ops":[{"op":"get","key":"x","call":"soon","return":1}]}""")]
    public void Bad_input_is_a_typed_error(string json)
    {
        Assert.Throws<HistoryFormatException>(() => HistoryReader.Read(json));
    }

    [Fact]
    public void A_hard_history_past_its_time_limit_is_undecided_not_wrong()
    {
        // Many concurrent writes and no way to tell them apart until a read that none matches.
        var ops = Enumerable.Range(0, 60).Select(i => $$"""{"op":"append","key":"x","value":"{{i % 2}}","call":0,"return":100}""").ToList();
        ops.Add("""{"op":"get","key":"x","output":"2","call":101,"return":102}""");
        var history = HistoryReader.Read("{\"ops\":[" + string.Join(",", ops) + "]}");
        var result = Checker.Check(history, TimeSpan.FromMilliseconds(200));
        Assert.Equal(Verdict.Undecided, result.Verdict);
    }
}
