using Akka.Actor;
using PaxosActors.Actors;
using PaxosActors.Core;
using PaxosActors.Hosting;
using PaxosActors.Messages;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Actors;

/// <summary>
/// The acceptor actor on a journal: a reply leaves only once the write that records it, and
/// every write before it, is durable (invariant 2); recovery; failed and rejected writes. The
/// journal's writes are held at a <see cref="WriteGate"/>, so "not before the write is durable"
/// is checked at a point where the write is known to be pending, not after a guessed delay.
/// </summary>
public sealed class AcceptorActorTests(ITestOutputHelper output) : JournalTestKit(output, SingleNodeGroup)
{
    /// <summary>A ceiling, not a pace: a loaded 2-core machine may take seconds to start a journal.</summary>
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    private static readonly NodeId Self = new(1), Peer = new(2);
    private static readonly Ballot Five = new(5, Peer);

    public static TheoryData<string> Kinds => ["prepare", "accept"];

    [Fact]
    public void A_restart_recovers_the_promise_and_the_accepted_value()
    {
        var (group, peer) = (CreateTestProbe(), CreateTestProbe());
        var acceptor = Start("acc-1", group, peer);
        group.ExpectMsg<AcceptorRecovered>(r => Assert.Equal(AcceptorState.Initial with { Session = 1 }, r.State), Ceiling);

        acceptor.Tell(new Prepare(0, Peer, Five));
        Assert.True(Reply<PrepareReply>(peer).Ok);
        acceptor.Tell(new Accept(0, Peer, Five, [42], Checksum.Initial));
        Assert.True(Reply<AcceptReply>(peer).Ok);

        Watch(acceptor);
        Sys.Stop(acceptor);
        ExpectTerminated(acceptor, Ceiling);

        var again = Start("acc-1", group, peer);
        var recovered = group.ExpectMsg<AcceptorRecovered>(Ceiling).State;
        Assert.Equal(2, recovered.Session);
        Assert.Equal(Five, recovered.Promised);
        Assert.Equal(Five, recovered.AcceptedBallot);
        Assert.Equal([42], recovered.AcceptedValue!);

        again.Tell(new Prepare(0, Peer, new Ballot(4, Peer)));
        var reject = Reply<PrepareReply>(peer);
        Assert.False(reject.Ok);
        Assert.Equal(Five, reject.Promised);
    }

    /// <summary>Catches a reply sent right after the PersistAsync call instead of from its handler.</summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_reply_leaves_only_once_its_own_write_is_durable(string kind)
    {
        var (acceptor, group, peer) = await StartAsync("acc-own-" + kind);
        var gate = await HoldWritesAsync();

        acceptor.Tell(Request(kind));
        await gate.Reached;
        await HandledAsync(acceptor);
        Assert.False(peer.HasMessages, "a reply left while its write was still pending");

        gate.Pass();
        AssertGranted(kind, peer);
    }

    /// <summary>
    /// A repeat writes nothing of its own, but its reply says what the first write records: it
    /// waits behind that write (DeferAsync). Catches Reply(p) in place of DeferAsync(p, Reply),
    /// which both replies carrying the same ballot would otherwise hide.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_repeat_is_answered_only_once_the_first_write_is_durable(string kind)
    {
        var (acceptor, group, peer) = await StartAsync("acc-repeat-" + kind);
        var gate = await HoldWritesAsync();

        acceptor.Tell(Request(kind));
        acceptor.Tell(Request(kind));
        await gate.Reached;
        await HandledAsync(acceptor);
        Assert.False(peer.HasMessages, "the repeat was answered before the first write was durable");

        gate.Pass();
        AssertGranted(kind, peer);
        AssertGranted(kind, peer);
    }

    /// <summary>
    /// A failed write answers neither its own request nor a repeat queued behind it, stops the
    /// acceptor, and leaves nothing in the journal. Catches both the reply after the PersistAsync
    /// call and Reply(p) for the repeat.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_failed_write_answers_neither_it_nor_a_repeat_behind_it(string kind)
    {
        var id = "acc-fail-" + kind;
        var (acceptor, group, peer) = await StartAsync(id);
        var gate = await HoldWritesAsync();
        peer.Watch(acceptor);

        acceptor.Tell(Request(kind));
        acceptor.Tell(Request(kind));
        await gate.Reached;
        gate.FailFirst();
        AssertStoppedWithoutReply(peer, "a reply left for a write that failed");
        await Journal.OnWrite.Pass();
        Start(id, group, peer);
        Assert.Equal(AcceptorState.Initial with { Session = 2 }, group.ExpectMsg<AcceptorRecovered>(Ceiling).State);
    }

    /// <summary>
    /// The journal rejects the first write, but the state in memory already has it. Nothing may
    /// leave that implies it: not its reply, not the repeat's behind it, not the reply of a
    /// later write (whose promise would vouch for the rejected one). The acceptor stops, and
    /// starts again from what the journal holds.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_rejected_write_answers_nothing_that_depends_on_it_and_the_acceptor_restarts_from_the_journal(string kind)
    {
        using var counters = CounterProbe.For(Sys, "paxos.acceptor.journal_rejected");
        var id = "acc-reject-" + kind;
        var (acceptor, group, peer) = await StartAsync(id);
        var gate = await HoldWritesAsync();
        peer.Watch(acceptor);

        acceptor.Tell(Request(kind));
        acceptor.Tell(Request(kind));
        acceptor.Tell(new Prepare(0, Peer, new Ballot(6, Peer)));
        await gate.Reached;
        await EventFilter.Error(contains: "the journal rejected").ExpectOneAsync(Ceiling, () =>
        {
            gate.RejectFirst();
            AssertStoppedWithoutReply(peer, "a reply left that depends on a rejected write");
            return Task.CompletedTask;
        });
        Assert.True(counters.Snapshot()["paxos.acceptor.journal_rejected"] >= 1);

        // The journal answers WriteMessagesSuccessful before the per-event rejection, so the
        // later write (promise 6) was already on its way and is durable, unanswered: durable
        // state may run ahead of the replies, never behind. The rejected event is not there.
        await Journal.OnWrite.Pass();
        Start(id, group, peer);
        Assert.Equal(AcceptorState.Initial with { Promised = new Ballot(6, Peer), Session = 2 }, group.ExpectMsg<AcceptorRecovered>(Ceiling).State);
    }

    [Fact]
    public async Task Replies_leave_in_the_order_of_the_writes()
    {
        var (acceptor, _, peer) = await StartAsync("acc-order");
        acceptor.Tell(new Prepare(0, Peer, new Ballot(1, Peer)));
        acceptor.Tell(new Prepare(0, Peer, new Ballot(1, Peer)));
        acceptor.Tell(new Prepare(0, Peer, new Ballot(2, Peer)));
        Assert.Equal(new Ballot(1, Peer), Reply<PrepareReply>(peer).Ballot);
        Assert.Equal(new Ballot(1, Peer), Reply<PrepareReply>(peer).Ballot);
        Assert.Equal(new Ballot(2, Peer), Reply<PrepareReply>(peer).Ballot);
    }

    /// <summary>
    /// A chosen record waits for the acceptor's next write and goes ahead of it, in the same
    /// journal write: one commit per instance. Catches a chosen record written at once, and one
    /// written behind the accept that should carry it.
    /// </summary>
    [Fact]
    public async Task A_chosen_record_rides_ahead_of_the_next_write()
    {
        var (acceptor, _, peer) = await StartAsync("acc-held", new ProtocolOptions { ChosenWriteDelay = TimeSpan.FromHours(1) });
        var recorder = new WriteRecorder();
        await Journal.OnWrite.SetInterceptorAsync(recorder);
        acceptor.Tell(new Accept(0, Peer, Five, [42], Checksum.Initial));
        Assert.True(Reply<AcceptReply>(peer).Ok);
        var chosen = Checksum.Next(Checksum.Initial, [42]);
        acceptor.Tell(new InstanceLearned(0, [42], chosen));
        await HandledAsync(acceptor);
        Assert.Equal([typeof(Accepted)], recorder.Events.Select(e => e.GetType()));
        Assert.False(peer.HasMessages);

        acceptor.Tell(new Accept(1, Peer, Five, [43], chosen));
        Assert.True(Reply<AcceptReply>(peer).Ok);
        var later = recorder.Events.Skip(1).ToList();
        Assert.Equal(2, later.Count);
        Assert.Equal(new ChosenAccepted(0, Five, chosen), later[0]);
        var next = Assert.IsType<Accepted>(later[1]);
        Assert.Equal((1L, Five), (next.Instance, next.Ballot));
    }

    /// <summary>With no write behind it, a held chosen record goes alone once the delay is over.</summary>
    [Fact]
    public async Task A_held_chosen_record_is_written_after_the_delay()
    {
        var (acceptor, group, peer) = await StartAsync("acc-held-alone", new ProtocolOptions { ChosenWriteDelay = TimeSpan.FromMilliseconds(50) });
        acceptor.Tell(new Accept(0, Peer, Five, [42], Checksum.Initial));
        Assert.True(Reply<AcceptReply>(peer).Ok);
        var recorder = new WriteRecorder();
        await Journal.OnWrite.SetInterceptorAsync(recorder);
        acceptor.Tell(new InstanceLearned(0, [42], Checksum.Next(Checksum.Initial, [42])));
        await Eventually.HoldsAsync(() => recorder.Events.Count == 1, Ceiling, () => $"{recorder.Events.Count} writes");
        Assert.IsType<ChosenAccepted>(Assert.Single(recorder.Events));
    }

    private static PaxosMessage Request(string kind) => kind switch
    {
        "prepare" => new Prepare(0, Peer, Five),
        _ => new Accept(0, Peer, Five, [42], Checksum.Initial),
    };

    private static void AssertGranted(string kind, Akka.TestKit.TestProbe peer)
    {
        if (kind == "prepare")
        {
            var reply = Reply<PrepareReply>(peer);
            Assert.True(reply.Ok);
            Assert.Equal(Five, reply.Promised);
        }
        else
        {
            var reply = Reply<AcceptReply>(peer);
            Assert.True(reply.Ok);
            Assert.Equal(Five, reply.Ballot);
        }
    }

    /// <summary>
    /// The peer probe watches the acceptor: a reply sent before the acceptor stopped is queued
    /// ahead of its Terminated, so the first message tells which came first.
    /// </summary>
    private static void AssertStoppedWithoutReply(Akka.TestKit.TestProbe peer, string why)
    {
        var first = peer.ReceiveOne(Ceiling);
        Assert.True(first is Terminated, $"{why}: {first}");
    }

    private async Task<WriteGate> HoldWritesAsync()
    {
        var gate = new WriteGate();
        await Journal.OnWrite.SetInterceptorAsync(gate);
        return gate;
    }

    /// <summary>
    /// Returns once the acceptor handled every message sent to it before: it logs a warning for
    /// an unexpected message, and a reply sent while handling an earlier one is queued by then.
    /// </summary>
    private async Task HandledAsync(IActorRef acceptor) =>
        await EventFilter.Warning(contains: "dropped unexpected " + nameof(Barrier)).ExpectOneAsync(Ceiling, () =>
        {
            acceptor.Tell(new Barrier());
            return Task.CompletedTask;
        });

    private async Task<(IActorRef Acceptor, Akka.TestKit.TestProbe Group, Akka.TestKit.TestProbe Peer)> StartAsync(string id, ProtocolOptions? options = null)
    {
        var (group, peer) = (CreateTestProbe(), CreateTestProbe());
        var acceptor = Start(id, group, peer, options);
        await group.ExpectMsgAsync<AcceptorRecovered>(Ceiling);
        return (acceptor, group, peer);
    }

    private IActorRef Start(string id, Akka.TestKit.TestProbe group, Akka.TestKit.TestProbe peer, ProtocolOptions? options = null)
    {
        var router = new PeerRouter("g", Self, group.Ref, new Dictionary<NodeId, ICanTell> { [Peer] = peer.Ref });
        var protocol = (options ?? new ProtocolOptions()) with { Breakpoints = NodeMetrics.For(Sys) };
        return Sys.ActorOf(Props.Create(() => new AcceptorActor(id, Self, router, group.Ref, string.Empty, protocol)));
    }

    private static T Reply<T>(Akka.TestKit.TestProbe peer)
        where T : PaxosMessage => (T)peer.ExpectMsg<PaxosEnvelope>(Ceiling).Message;

    private sealed record Barrier;
}
