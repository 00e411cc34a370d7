namespace PaxosActors.Core.Tests.Master;

/// <summary>
/// The client queue in a group with a master: commands go to the node that holds the lease (the
/// acceptors vote for no one else), a value stuck at another node is given up, and bids for the
/// lease are never handed over.
/// </summary>
public sealed class MasterQueueTests
{
    private const long Session = 1 << 20 | 1;
    private static readonly NodeId A = new(1), B = new(2), C = new(3);
    private static readonly Membership Three = new([A, B, C]);
    private static readonly ProtocolOptions Options = new() { LeaderTimeout = TimeSpan.FromMilliseconds(100), ProposeTimeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public void While_the_master_holds_the_lease_commands_go_to_it_and_after_it_they_stay_here()
    {
        var queue = Queue(B);
        queue.MasterSeen(new MasterSeen(C, RemainingMs: 500), now: 0);
        var (_, effects) = queue.Submit(1, 0, string.Empty, [1], batch: false, now: 10);
        Assert.Equal(C, Assert.Single(effects.OfType<ForwardCommands>()).To);
        Assert.Equal(C, queue.Leader(499));
        Assert.Null(queue.Leader(500));

        // The master names itself here: this node proposes.
        var master = Queue(C);
        master.MasterSeen(new MasterSeen(C, RemainingMs: 500), now: 0);
        Assert.Null(master.Leader(1));
        Assert.Empty(master.Submit(1, 0, string.Empty, [1], batch: false, now: 1).Effects.OfType<ForwardCommands>());
    }

    [Fact]
    public void A_value_out_in_no_accept_is_given_up_for_the_master_and_others_commands_go_back()
    {
        var queue = Queue(B);

        // A hands B a command while B still led; B proposes it with one of its own.
        queue.Forwarded(A, new ProposalValue(A, [new StoredCommand(A, 9, 1, 1, 1, 0, string.Empty, [7])]).Encode(), now: 0);
        var own = queue.Submit(1, 0, string.Empty, [1], batch: false, now: 0).Sequence;
        Assert.True(queue.Proposer.IsBusy);

        var effects = queue.MasterSeen(new MasterSeen(C, RemainingMs: 500), now: 1);
        Assert.False(queue.Proposer.IsBusy);
        var back = Assert.Single(effects.OfType<RefuseCommands>());
        Assert.Equal((A, 9L, ClientFailure.Conflict), (back.To, back.Session, back.Reason));
        var handed = ProposalValue.Decode(Assert.Single(effects.OfType<ForwardCommands>(), f => f.To == C).Value);
        Assert.Equal(own, Assert.Single(handed.Commands).Sequence);
    }

    [Fact]
    public void A_value_that_may_be_chosen_already_is_not_given_up()
    {
        var queue = Queue(B);
        queue.Submit(1, 0, string.Empty, [1], batch: false, now: 0);
        var ballot = queue.Proposer.Ballot;
        queue.Handle(new PrepareReply(0, B, ballot, true, ballot, Ballot.Zero, null), 0);
        queue.Handle(new PrepareReply(0, A, ballot, true, ballot, Ballot.Zero, null), 0);
        Assert.True(queue.Proposer.OwnValueMayBeChosen);

        var effects = queue.MasterSeen(new MasterSeen(C, RemainingMs: 500), now: 1);
        Assert.True(queue.Proposer.IsBusy);
        Assert.Empty(effects.OfType<ForwardCommands>());
    }

    [Fact]
    public void A_bid_is_proposed_here_while_other_commands_are_handed_to_the_leader()
    {
        var queue = Queue(B);
        queue.Learned(new InstanceLearned(0, new ProposalValue(A, []).Encode(), 1), now: 0);
        var bid = new MasterCommand(B, 1, 1_000, 5, 1).Encode();
        var (_, effects) = queue.Submit(StoredCommand.MasterMachine, 0, string.Empty, bid, batch: false, now: 1);
        Assert.Empty(effects.OfType<ForwardCommands>());
        var prepares = effects.OfType<Send>().Select(s => s.Message).OfType<Prepare>().ToList();
        Assert.Equal(3, prepares.Count);
        Assert.All(prepares, p => Assert.Equal((B, 1L), (p.From, p.Instance)));

        var forwarded = Assert.Single(queue.Submit(1, 0, string.Empty, [1], batch: false, now: 2).Effects.OfType<ForwardCommands>());
        Assert.Equal(A, forwarded.To);
        Assert.DoesNotContain(ProposalValue.Decode(forwarded.Value).Commands, c => c.IsMaster);
    }

    private static ClientQueue Queue(NodeId self) =>
        new(self, Three, Options, new Proposer(self, Three, Options, new SeededRandom(1), 0, 0, 0), Session, new HashSet<int> { 1, StoredCommand.MasterMachine });
}
