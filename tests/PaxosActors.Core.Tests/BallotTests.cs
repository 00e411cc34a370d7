namespace PaxosActors.Core.Tests;

public sealed class BallotTests
{
    [Fact]
    public void Ballots_order_by_proposal_id_then_node()
    {
        var low = new Ballot(1, new NodeId(9));
        var mid = new Ballot(2, new NodeId(1));
        var high = new Ballot(2, new NodeId(3));
        Assert.True(low < mid && mid < high);
        Assert.True(Ballot.Zero < low);
        Assert.Equal(high, Ballot.Max(mid, high));
        Assert.True(Ballot.Zero.IsZero);
    }

    [Fact]
    public void Each_comparison_operator_holds_for_equal_ballots_exactly_as_its_name_says()
    {
        var a = new Ballot(4, new NodeId(2));
        var same = new Ballot(4, new NodeId(2));
        var higher = new Ballot(4, new NodeId(3));
        Assert.True(a <= same && a >= same);
        Assert.False(a < same || a > same);
        Assert.True(a <= higher && higher >= a);
        Assert.False(higher <= a || a >= higher);
    }

    [Fact]
    public void Max_is_the_higher_ballot_whichever_side_it_is_on()
    {
        var low = new Ballot(1, new NodeId(5));
        var high = new Ballot(3, new NodeId(1));
        Assert.Equal(high, Ballot.Max(low, high));
        Assert.Equal(high, Ballot.Max(high, low));
        Assert.Equal(low, Ballot.Max(low, low));
    }

    [Fact]
    public void Only_the_ballot_of_no_node_at_proposal_zero_is_zero()
    {
        Assert.False(new Ballot(0, new NodeId(1)).IsZero);
        Assert.False(new Ballot(1, NodeId.None).IsZero);
        Assert.True(new Ballot(0, NodeId.None).IsZero);
    }

    [Fact]
    public void The_checksum_chain_depends_on_the_whole_history()
    {
        var a = Checksum.Next(Checksum.Initial, "x"u8);
        var b = Checksum.Next(a, "y"u8);
        var c = Checksum.Next(Checksum.Next(Checksum.Initial, "z"u8), "y"u8);
        Assert.NotEqual(b, c);
        Assert.Equal(b, Checksum.Next(Checksum.Next(Checksum.Initial, "x"u8), "y"u8));
    }
}
