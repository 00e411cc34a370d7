using System.Diagnostics.Metrics;

namespace PaxosActors.Core.Tests;

/// <summary>
/// Every protocol branch counts under its own name (DESIGN.md, "breakpoints"): operators read
/// these counters, so each name is part of the contract. Written against the mutation run
/// (docs/testing.md), where a renamed or removed count otherwise survives.
/// </summary>
public sealed class BreakpointTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);
    private static readonly Membership Three = new([A, B, C]);

    [Fact]
    public void Acceptor_branches_count()
    {
        using var probe = new ThreadCounterProbe();
        var acceptor = new Acceptor(A, AcceptorState.Initial);
        acceptor.Handle(new Prepare(0, B, new Ballot(2, B)));
        acceptor.Handle(new Prepare(0, C, new Ballot(1, C)));
        acceptor.Handle(new Accept(0, C, new Ballot(1, C), [1], 0));
        acceptor.Handle(new Accept(0, B, new Ballot(2, B), [1], 0));
        acceptor.Handle(new Accept(0, B, new Ballot(2, B), [1], 99));
        probe.Expect(
            ("acceptor.prepare.promised", 1),
            ("acceptor.prepare.rejected", 1),
            ("acceptor.accept.rejected", 1),
            ("acceptor.accept.accepted", 1),
            ("acceptor.accept.checksum_mismatch", 1));
    }

    [Fact]
    public void Proposer_round_branches_count()
    {
        using var probe = new ThreadCounterProbe();
        var p = new Proposer(A, Three, new ProtocolOptions(), new SeededRandom(1), 0, 0, 0);
        var timer = p.Propose([1]).OfType<StartTimer>().Single();
        var backOff = p.OnTimer(timer.Generation).OfType<StartTimer>().Single();
        p.OnTimer(backOff.Generation);
        var b = p.Ballot;
        p.Handle(new PrepareReply(0, C, b, false, new Ballot(1, C), Ballot.Zero, null));
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        timer = p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null)).OfType<StartTimer>().Single();
        p.Handle(new AcceptReply(0, C, b, false, new Ballot(9, C)));
        backOff = p.OnTimer(timer.Generation).OfType<StartTimer>().Single();
        p.OnTimer(backOff.Generation);
        b = p.Ballot;
        p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
        p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null));
        p.Handle(new AcceptReply(0, A, b, true, b));
        p.Handle(new AcceptReply(0, B, b, true, b));
        probe.Expect(
            ("proposer.prepare.start", 3),
            ("proposer.prepare.timeout", 1),
            ("proposer.prepare.rejected", 1),
            ("proposer.prepare.majority", 2),
            ("proposer.accept.start", 2),
            ("proposer.accept.rejected", 1),
            ("proposer.accept.timeout", 1),
            ("proposer.accept.majority", 1));
    }

    [Fact]
    public void Proposer_conflict_branches_count()
    {
        using var probe = new ThreadCounterProbe();
        var p = new Proposer(A, Three, new ProtocolOptions { MaxConflictRetries = 1 }, new SeededRandom(1), 0, 0, 0);
        p.Propose([1]);
        var checksum = Checksum.Initial;
        for (var i = 0; i < 2; i++)
        {
            var b = p.Ballot;
            p.Handle(new PrepareReply(i, A, b, true, b, Ballot.Zero, null));
            p.Handle(new PrepareReply(i, B, b, true, b, Ballot.Zero, null));
            checksum = Checksum.Next(checksum, [9]);
            var effects = p.Handle(new InstanceLearned(i, [9], checksum));
            if (i == 0)
            {
                p.OnTimer(effects.OfType<StartTimer>().Single().Generation);
            }
        }

        probe.Expect(("proposer.conflict.retry", 1), ("proposer.conflict.gave_up", 1));
    }

    [Fact]
    public void Learner_and_coordinator_branches_count()
    {
        using var probe = new ThreadCounterProbe();
        var log = new List<InstanceChosen>();
        var checksum = Checksum.Initial;
        for (var i = 0; i < 10; i++)
        {
            checksum = Checksum.Next(checksum, [(byte)i]);
            log.Add(new InstanceChosen(i, [(byte)i], checksum));
        }

        var learner = new Learner(A, new ProtocolOptions { LogWindow = 4 }, log);
        learner.Replay();
        learner.Handle(new AskForLearn(0, B));
        learner.Handle(new AskForLearn(8, B));
        learner.Handle(new ValueChosen(9, B, [9], 1));

        var coordinator = new InstanceCoordinator(A, Three, new ProtocolOptions(), 0, 0);
        coordinator.Handle(new ValueChosen(0, B, [1], Checksum.Next(0, [1])));
        coordinator.Handle(new ValueChosen(1, B, [1], 1));
        probe.Expect(
            ("learner.serve_from_storage", 1),
            ("learner.serve", 1),
            ("learner.checksum_mismatch", 1),
            ("coordinator.learned", 1),
            ("coordinator.checksum_mismatch", 1));
    }

    [Fact]
    public void Chosen_ballot_branches_count()
    {
        using var probe = new ThreadCounterProbe();
        var p = new Proposer(A, Three, new ProtocolOptions(), new SeededRandom(1), 0, 0, 0);
        for (var instance = 0L; instance < 2; instance++)
        {
            var b = p.Ballot;
            if (instance == 0)
            {
                p.Propose([1]);
                b = p.Ballot;
                p.Handle(new PrepareReply(0, A, b, true, b, Ballot.Zero, null));
                p.Handle(new PrepareReply(0, B, b, true, b, Ballot.Zero, null));
            }
            else
            {
                p.Propose([2]);
            }

            p.Handle(new AcceptReply(instance, A, b, true, b));
            var chosen = p.Handle(new AcceptReply(instance, B, b, true, b)).OfType<Send>().Select(s => s.Message).OfType<ValueChosen>().Single();
            p.Handle(new InstanceLearned(instance, chosen.Value, chosen.Checksum));
        }

        p.TakeAnnouncement();

        var coordinator = new InstanceCoordinator(A, Three, new ProtocolOptions(), 0, 0);
        coordinator.Handle(new Accept(1, B, new Ballot(1, B), [2], 0) { ChosenBallot = new Ballot(1, B) });
        coordinator.Handle(new Accept(0, B, new Ballot(1, B), [1], 0));
        coordinator.Handle(new Accept(1, B, new Ballot(1, B), [2], Checksum.Next(0, [1])) { ChosenBallot = new Ballot(1, B) });
        probe.Expect(
            ("proposer.chosen_with_accept", 1),
            ("proposer.chosen_sent", 1),
            ("coordinator.chosen_ballot_unknown", 1),
            ("coordinator.learned_from_accept", 1));
    }

    [Fact]
    public void The_simulator_learns_from_next_accepts_and_sends_values_when_none_follows()
    {
        using var probe = new ThreadCounterProbe();
        Simulation.SeedSweep.RunOne(42);
        Assert.True(probe.Count("proposer.chosen_with_accept") > 0);
        Assert.True(probe.Count("coordinator.learned_from_accept") > 0);
        Assert.True(probe.Count("proposer.chosen_sent") > 0);
    }

    [Fact]
    public void Client_queue_leader_branches_count()
    {
        using var probe = new ThreadCounterProbe();
        var options = new ProtocolOptions { LeaderTimeout = TimeSpan.FromSeconds(10) };
        var queue = new ClientQueue(B, Three, options, new Proposer(B, Three, options, new SeededRandom(1), 0, 0, 0), 1 << 20 | 1, new HashSet<int> { 1 });

        // B proposes itself (no leader yet); A's value wins instance 0, so B hands its command to A.
        queue.Submit(1, 0, string.Empty, [1], batch: false, now: 0);
        var forwarded = queue.Learned(new InstanceLearned(0, new ProposalValue(A, []).Encode(), 1), now: 1).OfType<ForwardCommands>().Single();
        var sequence = ProposalValue.Decode(forwarded.Value).Commands.Single().Sequence;
        queue.Refused(A, queue.Session, [sequence], ClientFailure.Overloaded, "full", 2);
        queue.PeerDown(A, 3);
        probe.Expect(
            ("proposer.handed_over", 1),
            ("proposer.forwarded", 2),
            ("proposer.forward_refused", 1),
            ("proposer.leader_passed_over", 1));
    }
}

/// <summary>
/// Counts PaxosActors' counters recorded on the creating thread only: the core is synchronous,
/// so other tests running in parallel do not disturb the counts.
/// </summary>
internal sealed class ThreadCounterProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly int _thread = Environment.CurrentManagedThreadId;
    private readonly Dictionary<string, long> _counts = [];

    public ThreadCounterProbe()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Breakpoints.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (Environment.CurrentManagedThreadId == _thread)
            {
                _counts[instrument.Name] = _counts.GetValueOrDefault(instrument.Name) + value;
            }
        });
        _listener.Start();
    }

    /// <summary>Exactly these counts were recorded under these names.</summary>
    public void Expect(params (string Name, long Count)[] expected)
    {
        Assert.Equal(
            expected.Select(e => ("paxos." + e.Name, e.Count)),
            expected.Select(e => ("paxos." + e.Name, _counts.GetValueOrDefault("paxos." + e.Name))));
    }

    /// <summary>What was recorded under <paramref name="name"/>.</summary>
    public long Count(string name) => _counts.GetValueOrDefault("paxos." + name);

    public void Dispose() => _listener.Dispose();
}
