namespace PaxosActors.Core.Tests.Simulation;

/// <summary>
/// DESIGN.md invariant 8: the model-checked counterexample to PhxPaxos's "a prepare or accept
/// for i+1 with my accepted ballot means my value for i was chosen", replayed step by step on
/// five nodes A..E. With PhxPaxos's rule the run diverges; with ours it does not.
/// </summary>
public sealed class BallotEqualityScenarioTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3), D = new(4), E = new(5);

    [Fact]
    public void PhxPaxos_rule_diverges_in_the_scripted_scenario()
    {
        var sim = Script(DeliberateBugs.BallotEqualityLearning);
        var violation = Assert.Throws<InvariantViolation>(() => sim.DeliverAllWhere(m => m.To == E && (m.From == A || m.From == E)));
        Assert.Contains("invariant 1", violation.Message);
    }

    [Fact]
    public void Our_rule_keeps_agreement_in_the_scripted_scenario_and_E_learns_c()
    {
        var sim = Script(DeliberateBugs.None);

        // A learned instance 0 without choosing it, so after a back-off it prepares a new, higher ballot.
        Assert.DoesNotContain(sim.InFlight, m => m.From == A && m.Message.Instance == 1);
        sim.FireTimer(A);
        Assert.Contains(sim.InFlight, m => m.From == A && m.Message is Prepare { Instance: 1 } p && p.Ballot.ProposalId > 1);
        Assert.DoesNotContain(sim.InFlight, m => m.From == A && m.Message is Accept { Instance: 1 });

        sim.DeliverAllWhere(m => m.To == E || m.From == E);
        Assert.Equal("c", sim.Nodes[E].Executed[0]);
        sim.DeliverAllWhere(_ => true);
        sim.CheckLogs();
        Assert.All(sim.Nodes.Values, n => Assert.Equal("c", n.Executed[0]));
        Assert.Equal("a", sim.Chosen[1].Value);
    }

    /// <summary>
    /// Rule b's other half: an Accept for 1 may announce only a ballot its sender got a majority
    /// with at 0. A, which did not, announcing its own (1,A) would make E learn a; the checksum
    /// chain then halts E (a chosen value's chain that is not E's).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_accept_announces_only_a_ballot_that_won_a_majority(bool claimWithoutMajority)
    {
        var bugs = claimWithoutMajority ? DeliberateBugs.ChosenClaimedWithoutMajority : DeliberateBugs.None;
        var sim = Script(bugs);
        sim.FireTimer(A);
        sim.DeliverAllWhere(m => m.Message is Prepare or PrepareReply && m.From != E && m.To != E);
        Assert.Contains(sim.InFlight, m => m.Message is Accept { Instance: 1 } && m.From == A && m.To == E);
        void DeliverToE() => sim.DeliverAllWhere(m => m.Message is Accept && m.To == E);
        if (!claimWithoutMajority)
        {
            DeliverToE();
            Assert.Equal(0, sim.Nodes[E].Coordinator.Instance);
            Assert.Contains(sim.InFlight, m => m.Message is AskForLearn { Instance: 0 } && m.From == E);
        }
        else
        {
            Assert.Contains("invariant 6", Assert.Throws<InvariantViolation>(DeliverToE).Message);
        }
    }

    /// <summary>The 18 steps up to the point where A sends its messages for instance 1.</summary>
    private static Simulation Script(DeliberateBugs bugs)
    {
        var sim = new Simulation(5, seed: 8, new ProtocolOptions { Bugs = bugs }, manual: true);

        // A prepares (1,A) for instance 0 and everyone promises; A's accepts go out but wait.
        sim.Propose(A, "a");
        sim.DeliverAllWhere(m => m.Message is Prepare && m.From == A);
        sim.DeliverAllWhere(m => m.Message is PrepareReply && m.To == A);
        Assert.Equal(5, sim.InFlight.Count(m => m.Message is Accept { Ballot.ProposalId: 1 } && m.From == A));

        // C prepares (1,C) > (1,A); only B, C, D hear it and promise.
        sim.Propose(C, "c");
        sim.DropWhere(m => m.Message is Prepare && m.From == C && (m.To == A || m.To == E));
        sim.DeliverAllWhere(m => m.Message is Prepare && m.From == C);
        sim.DeliverAllWhere(m => m.Message is PrepareReply && m.To == C);

        // A's accept(0,(1,A),a) reaches A and E only; B, C, D's rejects are lost.
        sim.DeliverWhere(m => m.Message is Accept && m.From == A && (m.To == A || m.To == E));
        sim.DropWhere(m => m.Message is Accept && m.From == A);
        sim.DeliverWhere(m => m.Message is AcceptReply && m.To == A);
        Assert.Equal(new Ballot(1, A), sim.Nodes[E].Acceptor.State.AcceptedBallot);

        // C's accept(0,(1,C),c) wins B, C, D: c is chosen; E does not hear of it.
        sim.DeliverAllWhere(m => m.Message is Accept && m.From == C && m.To != A && m.To != E);
        sim.DropWhere(m => m.Message is Accept && m.From == C);
        sim.DeliverAllWhere(m => m.Message is AcceptReply && m.To == C);
        sim.DeliverAllWhere(m => m.Message is ValueChosen && m.To == C);
        sim.DropWhere(m => m.Message is ValueChosen && m.To == E);

        // A learns instance 0 = c and retries its value in instance 1.
        sim.DeliverAllWhere(m => m.Message is ValueChosen);
        Assert.Equal("c", sim.Chosen[0].Value);
        Assert.Equal(1, sim.Nodes[A].Coordinator.Instance);
        Assert.Equal(0, sim.Nodes[E].Coordinator.Instance);
        return sim;
    }
}
