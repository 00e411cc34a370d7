using Xunit.Abstractions;

namespace PaxosActors.Core.Tests.Simulation;

/// <summary>
/// Proof that the simulator's checks can fail: with each known-wrong behaviour switched on, a
/// bounded sweep of seeds must find a violation of the invariant it breaks.
/// </summary>
public sealed class DeliberateBugTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("ForgetPromiseOnRestart", "invariant 4")]
    [InlineData("ReplyBeforePersist", "invariant 2")]
    [InlineData("QuorumOneShort", "invariant 1")]
    [InlineData("AbandonKeepsBallot", "invariant 1")]
    [InlineData("DuplicateFilterOff", "invariant 10")]
    [InlineData("RefusalIsFinal", "invariant 9")]
    [InlineData("CheckpointForgetsFilter", "invariant 10")]
    [InlineData("TruncatePastCheckpoint", "storage:")]
    [InlineData("HeldWriteOvertaken", "invariant 3")]
    [InlineData("ChosenBallotNotCompared", "invariant 6")]
    public void The_simulator_catches_the_bug(string name, string expected)
    {
        var bug = Enum.Parse<DeliberateBugs>(name);
        var failures = SeedSweep.Run(1, 2000, bug, stopAtFirst: true);
        Assert.NotEmpty(failures);
        var (seed, message) = failures[0];
        output.WriteLine($"{bug}: seed {seed}: {message}");
        Assert.Contains(expected, message);
    }

    [Fact]
    public void A_quorum_one_short_breaks_agreement_itself_not_only_a_bookkeeping_check()
    {
        var failures = SeedSweep.Run(1, 500, DeliberateBugs.QuorumOneShort);
        Assert.Contains(failures, f => f.Message.Contains("learned '", StringComparison.Ordinal));
    }
}
