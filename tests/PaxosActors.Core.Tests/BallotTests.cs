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
    public void The_checksum_chain_depends_on_the_whole_history()
    {
        var a = Checksum.Next(Checksum.Initial, "x"u8);
        var b = Checksum.Next(a, "y"u8);
        var c = Checksum.Next(Checksum.Next(Checksum.Initial, "z"u8), "y"u8);
        Assert.NotEqual(b, c);
        Assert.Equal(b, Checksum.Next(Checksum.Next(Checksum.Initial, "x"u8), "y"u8));
    }
}
