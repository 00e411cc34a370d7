using BenchmarkDotNet.Attributes;
using PaxosActors.Core;

namespace PaxosActors.Benchmarks;

/// <summary>
/// The pure protocol's hot path for one instance on the leader: skip-prepare accept, the
/// acceptor taking it, a majority of replies, learning; and the chained checksum.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ProtocolBenchmarks
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);
    private readonly Membership _members = new([A, B, C]);
    private byte[] _value = [];

    [Params(100, 6400)]
    public int ValueSize { get; set; }

    [GlobalSetup]
    public void Setup() => _value = Enumerable.Range(0, ValueSize).Select(i => (byte)i).ToArray();

    [Benchmark(Description = "acceptor: accept at the promised ballot")]
    public object AcceptorAccept()
    {
        var acceptor = new Acceptor(A, AcceptorState.Initial);
        return acceptor.Handle(new Accept(0, B, new Ballot(1, B), _value, Checksum.Initial));
    }

    [Benchmark(Description = "proposer: 10 instances, skip-prepare, majority, learn")]
    public long ProposerTenInstances()
    {
        var proposer = new Proposer(A, _members, new ProtocolOptions(), new SeededRandom(1), 0, Checksum.Initial, 0);
        var checksum = Checksum.Initial;
        for (var i = 0; i < 10; i++)
        {
            proposer.Propose(_value);
            var ballot = proposer.Ballot;
            if (i == 0)
            {
                proposer.Handle(new PrepareReply(0, A, ballot, true, ballot, Ballot.Zero, null));
                proposer.Handle(new PrepareReply(0, B, ballot, true, ballot, Ballot.Zero, null));
            }

            proposer.Handle(new AcceptReply(i, A, ballot, true, ballot));
            proposer.Handle(new AcceptReply(i, B, ballot, true, ballot));
            checksum = Checksum.Next(checksum, _value);
            proposer.Handle(new InstanceLearned(i, _value, checksum));
        }

        return proposer.Instance;
    }

    [Benchmark(Description = "chained checksum (XxHash64)")]
    public ulong ChainedChecksum() => Checksum.Next(42, _value);
}
