using PaxosActors.Core;

namespace PaxosActors.Tests.Fuzzing;

/// <summary>Valid Paxos messages of every kind, the seeds that the wire fuzz tests mutate.</summary>
internal static class SampleMessages
{
    /// <summary>The protocol's messages, one of each (a prepare reply that promises).</summary>
    public static readonly PaxosMessage[] Protocol =
    [
        new Prepare(3, new NodeId(2), new Ballot(4, new NodeId(2))),
        new PrepareReply(3, new NodeId(2), new Ballot(4, new NodeId(2)), true, new Ballot(4, new NodeId(2)), new Ballot(1, new NodeId(1)), [7, 7]),
        new Accept(3, new NodeId(2), new Ballot(4, new NodeId(2)), [1, 2, 3], 99),
        new AcceptReply(3, new NodeId(2), new Ballot(4, new NodeId(2)), false, new Ballot(5, new NodeId(3))),
        new ValueChosen(3, new NodeId(2), [5], 1234),
        new AskForLearn(3, new NodeId(2)),
        new LearnOffer(9, new NodeId(2)),
    ];

    /// <summary>An Accept that announces the previous instance chosen (wire format 2 only).</summary>
    public static readonly Accept AcceptAnnouncingChosen = new(4, new NodeId(2), new Ballot(4, new NodeId(2)), [1, 2, 3], 99) { ChosenBallot = new Ballot(4, new NodeId(2)) };

    /// <summary>Those, a prepare reply that refuses, and the checkpoint transfer's messages.</summary>
    public static readonly PaxosMessage[] All =
    [
        .. Protocol,
        new PrepareReply(3, new NodeId(2), new Ballot(4, new NodeId(2)), false, new Ballot(6, new NodeId(3)), Ballot.Zero, null),
        new CheckpointOffer(9, new NodeId(2), 4096, 77),
        new ChunkRequest(9, new NodeId(2), 77, 1024, 1024),
        new CheckpointChunk(9, new NodeId(2), 77, 1024, [1, 2, 3, 4], 5),
        new ReadIndexRequest(0, new NodeId(2), 7),
        new ReadIndexReply(42, new NodeId(3), 7),
    ];
}
