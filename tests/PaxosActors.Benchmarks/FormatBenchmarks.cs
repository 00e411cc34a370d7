using BenchmarkDotNet.Attributes;
using PaxosActors.Core;
using PaxosActors.Messages;
using PaxosActors.Serialization;

namespace PaxosActors.Benchmarks;

/// <summary>
/// The wire and storage formats on the hot path: an Accept carrying a batch of 64 commands of
/// 100 bytes, the batch value itself, the acceptor's Accepted event, and the learners'
/// duplicate filter.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class FormatBenchmarks
{
    private static readonly NodeId A = new(1);
    private ProposalValue _batch = null!;
    private byte[] _batchBytes = [];
    private PaxosEnvelope _accept = null!;
    private byte[] _acceptBytes = [];
    private Accepted _event = null!;
    private byte[] _eventBytes = [];
    private string _eventManifest = string.Empty;
    private readonly DuplicateFilter _filter = new();
    private long _sequence;

    [GlobalSetup]
    public void Setup()
    {
        var commands = Enumerable.Range(1, 64).Select(i => new StoredCommand(A, 7, i, i, 1, 4, string.Empty, new byte[100])).ToList();
        _batch = new ProposalValue(A, commands);
        _batchBytes = _batch.Encode();
        _accept = new PaxosEnvelope("g", new Accept(10, A, new Ballot(3, A), _batchBytes, 99)) { ClusterId = "paxos" };
        _acceptBytes = MessageCodec.Encode(_accept);
        _event = new Accepted(10, new Ballot(3, A), _batchBytes);
        _eventBytes = EventCodec.Encode(_event);
        _eventManifest = EventCodec.Manifest(_event);
    }

    [Benchmark(Description = "value: encode 64 commands")]
    public byte[] EncodeBatch() => _batch.Encode();

    [Benchmark(Description = "value: decode 64 commands")]
    public object DecodeBatch() => ProposalValue.Decode(_batchBytes);

    [Benchmark(Description = "wire: encode Accept (6.9 KB)")]
    public byte[] EncodeAccept() => MessageCodec.Encode(_accept);

    [Benchmark(Description = "wire: decode Accept (6.9 KB)")]
    public object DecodeAccept() => MessageCodec.Decode(_acceptBytes);

    [Benchmark(Description = "journal: encode Accepted event")]
    public byte[] EncodeEvent() => EventCodec.Encode(_event);

    [Benchmark(Description = "journal: decode Accepted event")]
    public object DecodeEvent() => EventCodec.Decode(_eventBytes, _eventManifest);

    [Benchmark(Description = "learner: duplicate filter, next sequence")]
    public bool DuplicateFilterNext()
    {
        ++_sequence;
        return _filter.Admit(new StoredCommand(A, 7, _sequence, _sequence, 1, 4, string.Empty, [])).Runs;
    }
}
