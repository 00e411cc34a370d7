using Akka.Actor;
using PaxosActors.Actors;
using PaxosActors.Core;
using PaxosActors.Messages;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Actors;

/// <summary>The acceptor actor on a journal: durable replies, recovery, write failures.</summary>
public sealed class AcceptorActorTests(ITestOutputHelper output) : JournalTestKit(output, SingleNodeGroup)
{
    private static readonly NodeId Self = new(1), Peer = new(2);

    [Fact]
    public void A_restart_recovers_the_promise_and_the_accepted_value()
    {
        var (group, peer) = (CreateTestProbe(), CreateTestProbe());
        var acceptor = Start("acc-1", group, peer);
        group.ExpectMsg<AcceptorRecovered>(r => Assert.Equal(AcceptorState.Initial with { Session = 1 }, r.State));

        acceptor.Tell(new Prepare(0, Peer, new Ballot(5, Peer)));
        Assert.True(Reply<PrepareReply>(peer).Ok);
        acceptor.Tell(new Accept(0, Peer, new Ballot(5, Peer), [42], Checksum.Initial));
        Assert.True(Reply<AcceptReply>(peer).Ok);

        Watch(acceptor);
        Sys.Stop(acceptor);
        ExpectTerminated(acceptor);

        var again = Start("acc-1", group, peer);
        var recovered = group.ExpectMsg<AcceptorRecovered>().State;
        Assert.Equal(2, recovered.Session);
        Assert.Equal(new Ballot(5, Peer), recovered.Promised);
        Assert.Equal(new Ballot(5, Peer), recovered.AcceptedBallot);
        Assert.Equal([42], recovered.AcceptedValue!);

        again.Tell(new Prepare(0, Peer, new Ballot(4, Peer)));
        var reject = Reply<PrepareReply>(peer);
        Assert.False(reject.Ok);
        Assert.Equal(new Ballot(5, Peer), reject.Promised);
    }

    [Fact]
    public async Task A_failed_write_sends_no_reply_stops_the_acceptor_and_records_nothing()
    {
        var (group, peer) = (CreateTestProbe(), CreateTestProbe());
        var acceptor = Start("acc-2", group, peer);
        group.ExpectMsg<AcceptorRecovered>();
        Watch(acceptor);

        await Journal.OnWrite.Fail();
        acceptor.Tell(new Prepare(0, Peer, new Ballot(7, Peer)));
        ExpectTerminated(acceptor);
        peer.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        await Journal.OnWrite.Pass();
        Start("acc-2", group, peer);
        Assert.Equal(Ballot.Zero, group.ExpectMsg<AcceptorRecovered>().State.Promised);
    }

    [Fact]
    public void Replies_leave_in_the_order_of_the_writes_and_a_repeat_prepare_waits_for_the_first_write()
    {
        var (group, peer) = (CreateTestProbe(), CreateTestProbe());
        var acceptor = Start("acc-3", group, peer);
        group.ExpectMsg<AcceptorRecovered>();
        acceptor.Tell(new Prepare(0, Peer, new Ballot(1, Peer)));
        acceptor.Tell(new Prepare(0, Peer, new Ballot(1, Peer)));
        acceptor.Tell(new Prepare(0, Peer, new Ballot(2, Peer)));
        Assert.Equal(new Ballot(1, Peer), Reply<PrepareReply>(peer).Ballot);
        Assert.Equal(new Ballot(1, Peer), Reply<PrepareReply>(peer).Ballot);
        Assert.Equal(new Ballot(2, Peer), Reply<PrepareReply>(peer).Ballot);
    }

    private IActorRef Start(string id, Akka.TestKit.TestProbe group, Akka.TestKit.TestProbe peer)
    {
        var router = new PeerRouter("g", Self, group.Ref, new Dictionary<NodeId, ICanTell> { [Peer] = peer.Ref });
        return Sys.ActorOf(Props.Create(() => new AcceptorActor(id, Self, router, group.Ref, string.Empty)));
    }

    private static T Reply<T>(Akka.TestKit.TestProbe peer)
        where T : PaxosMessage => (T)peer.ExpectMsg<PaxosEnvelope>().Message;
}
