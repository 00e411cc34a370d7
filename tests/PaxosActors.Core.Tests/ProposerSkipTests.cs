namespace PaxosActors.Core.Tests;

/// <summary>
/// The proposer when its node installs a checkpoint: every instance below it was decided by
/// other ballots, so the proposer moves there, prepares afresh, and keeps its own value.
/// </summary>
public sealed class ProposerSkipTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);
    private static readonly Membership Three = new([A, B, C]);

    private static readonly ProtocolOptions Options = new()
    {
        PrepareTimeout = TimeSpan.FromMilliseconds(100),
        AcceptTimeout = TimeSpan.FromMilliseconds(150),
        MaxRoundTimeout = TimeSpan.FromMilliseconds(1000),
        BackoffMin = TimeSpan.FromMilliseconds(20),
        BackoffMax = TimeSpan.FromMilliseconds(21),
    };

    private static Proposer New() => new(A, Three, Options, new SeededRandom(1), 0, 0, 0);

    private static IEnumerable<T> Sent<T>(IEnumerable<Effect> effects) => effects.OfType<Send>().Select(s => s.Message).OfType<T>();

    /// <summary>Proposes and gets a majority of promises: the value is out in an accept.</summary>
    private static StartTimer Accepting(Proposer p, byte[] value)
    {
        p.Propose(value);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        return p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null)).OfType<StartTimer>().Single();
    }

    [Fact]
    public void A_skip_to_an_instance_it_is_already_at_or_past_changes_nothing()
    {
        var p = New();
        var round = Accepting(p, [1]);
        Assert.Empty(p.Handle(new InstancesSkipped(0, 77)));
        Assert.Equal(0, p.Instance);
        Assert.Equal(0UL, p.PreviousChecksum);
        Assert.True(p.OwnValueMayBeChosen);

        // The round goes on: its timer still fires into it (an accept timeout backs off).
        Assert.Single(p.OnTimer(round.Generation).OfType<StartTimer>());
    }

    [Fact]
    public void A_skip_past_a_value_out_in_an_accept_moves_on_and_backs_off_then_prepares_there()
    {
        var p = New();
        var round = Accepting(p, [1]);
        var ballot = p.Ballot;

        var backOff = p.Handle(new InstancesSkipped(5, 77)).OfType<StartTimer>().Single();
        Assert.Equal(5, p.Instance);
        Assert.Equal(77UL, p.PreviousChecksum);
        Assert.True(p.IsBusy);
        Assert.False(p.OwnValueMayBeChosen);
        Assert.NotEqual(round.Generation, backOff.Generation);
        Assert.Empty(p.OnTimer(round.Generation));

        var retry = p.OnTimer(backOff.Generation);
        var prepare = Sent<Prepare>(retry).First();
        Assert.Equal(5, prepare.Instance);
        Assert.True(prepare.Ballot > ballot);
        Assert.Empty(Sent<Accept>(retry));
    }

    [Fact]
    public void A_skip_while_backing_off_keeps_the_one_back_off_it_has()
    {
        var p = New();
        var round = p.Propose([1]).OfType<StartTimer>().Single();
        var backOff = p.OnTimer(round.Generation).OfType<StartTimer>().Single();

        Assert.Empty(p.Handle(new InstancesSkipped(5, 77)));
        var retry = p.OnTimer(backOff.Generation);
        Assert.Equal(5, Sent<Prepare>(retry).First().Instance);
    }

    [Fact]
    public void An_idle_proposer_that_chose_before_a_skip_prepares_at_the_new_instance()
    {
        var p = New();
        Accepting(p, [1]);
        var b = p.Ballot;
        p.Handle(new AcceptReply(0, A, b, true, b));
        p.Handle(new AcceptReply(0, B, b, true, b));
        p.Handle(new InstanceLearned(0, [1], Checksum.Next(0, [1])));

        // It could skip prepare at instance 1 with its ballot; a checkpoint to 5 says others decided 1–4.
        Assert.Empty(p.Handle(new InstancesSkipped(5, 77)));
        Assert.False(p.IsBusy);
        var next = p.Propose([2]);
        var prepare = Sent<Prepare>(next).First();
        Assert.Equal(5, prepare.Instance);
        Assert.Empty(Sent<Accept>(next));
    }

    [Fact]
    public void A_round_it_won_before_the_skip_does_not_count_as_won_after_it()
    {
        var p = New();
        Accepting(p, [1]);
        var b = p.Ballot;
        p.Handle(new AcceptReply(0, A, b, true, b));
        p.Handle(new AcceptReply(0, B, b, true, b));

        var backOff = p.Handle(new InstancesSkipped(5, 77)).OfType<StartTimer>().Single();
        p.OnTimer(backOff.Generation);
        b = p.Ballot;
        p.Handle(new PrepareReply(5, A, b, true, b, Ballot.Zero, null));
        p.Handle(new PrepareReply(5, B, b, true, b, Ballot.Zero, null));

        // Another node decides instance 5: this proposer did not, so it waits a back-off, and
        // its ballot, prepared for instance 5 only, does not let it skip prepare for 6.
        var learned = p.Handle(new InstanceLearned(5, [9], Checksum.Next(77, [9])));
        var retry = learned.OfType<StartTimer>().Single();
        Assert.Empty(learned.OfType<Send>());
        var next = p.OnTimer(retry.Generation);
        Assert.Equal(6, Sent<Prepare>(next).First().Instance);
        Assert.Empty(Sent<Accept>(next));
    }
}
