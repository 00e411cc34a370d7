namespace PaxosActors.Core;

/// <summary>
/// A Paxos ballot (PhxPaxos's BallotNumber): ordered by proposal id, then by node id, so two
/// proposers never share a ballot.
/// </summary>
internal readonly record struct Ballot(long ProposalId, NodeId Node) : IComparable<Ballot>
{
    /// <summary>Below every real ballot: nothing promised, nothing accepted.</summary>
    public static readonly Ballot Zero = new(0, NodeId.None);

    public bool IsZero => ProposalId == 0 && Node == NodeId.None;

    public int CompareTo(Ballot other)
    {
        var byId = ProposalId.CompareTo(other.ProposalId);
        return byId != 0 ? byId : Node.CompareTo(other.Node);
    }

    public static bool operator <(Ballot a, Ballot b) => a.CompareTo(b) < 0;

    public static bool operator >(Ballot a, Ballot b) => a.CompareTo(b) > 0;

    public static bool operator <=(Ballot a, Ballot b) => a.CompareTo(b) <= 0;

    public static bool operator >=(Ballot a, Ballot b) => a.CompareTo(b) >= 0;

    public static Ballot Max(Ballot a, Ballot b) => a >= b ? a : b;

    public override string ToString() => $"({ProposalId},{Node})";
}
