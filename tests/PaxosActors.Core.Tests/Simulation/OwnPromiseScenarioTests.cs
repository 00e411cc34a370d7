namespace PaxosActors.Core.Tests.Simulation;

/// <summary>
/// Why a proposer needs its own acceptor's promise: a restarted node starts above its own
/// recovered promise, so if that promise was never written it can reuse a ballot it already
/// sent with another value, and two values end up chosen. Scripted on three nodes A, B, C.
/// </summary>
public sealed class OwnPromiseScenarioTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);

    [Fact]
    public void Without_its_own_promise_a_restarted_proposer_reuses_a_ballot_and_two_values_are_chosen()
    {
        // The check that a ballot carries one value would stop this run at its root, below;
        // without it the run goes on to the divergence itself.
        var sim = new Simulation(3, seed: 16, new ProtocolOptions { Bugs = DeliberateBugs.ProposerSkipsOwnPromise }, manual: true) { CheckBallots = false };
        PrepareWithoutOwnPromise(sim);

        // B accepts a1 at (1,A); the accept to C stays in the network; A crashes.
        Assert.Equal(3, sim.InFlight.Count(m => m.Message is Accept));
        sim.DeliverWhere(m => m.Message is Accept && m.To == B);
        sim.DropWhere(m => m.To == A || m.From == B);
        sim.Crash(A);
        sim.Restart(A);

        // A, back with no durable promise, prepares (1,A) again and gets a2 chosen with C.
        sim.Propose(A, "a2");
        Assert.All(sim.InFlight.Where(m => m.Message is Prepare), m => Assert.Equal(new Ballot(1, A), ((Prepare)m.Message).Ballot));
        sim.DropWhere(m => m.Message is Prepare && m.To == B);
        sim.DeliverAllWhere(m => m.Message is Prepare or PrepareReply);
        sim.DeliverWhere(m => m.Message is Accept { Value.Length: > 0 } a && Simulation.Describe(a.Value) == "a2" && m.To != B);
        sim.DeliverAllWhere(m => m.Message is AcceptReply);
        sim.DeliverWhere(m => m.Message is ValueChosen && m.To == A);
        sim.DropWhere(m => m.Message is ValueChosen or Accept { Value.Length: > 0 } && m.From == A && !IsOld(m));
        Assert.Equal("a2", sim.Chosen[0].Value);

        // The old accept of a1 at the same ballot reaches C; then B gathers B and C, both at a1.
        sim.DeliverWhere(m => m.Message is Accept && m.To == C);
        sim.Propose(B, "b");
        var violation = Assert.Throws<InvariantViolation>(() => sim.DeliverAllWhere(m => m.To != A && m.From != A));
        Assert.Contains("invariant 1", violation.Message);
    }

    [Fact]
    public void The_reused_ballot_is_caught_where_it_carries_a_second_value()
    {
        var sim = new Simulation(3, seed: 16, new ProtocolOptions { Bugs = DeliberateBugs.ProposerSkipsOwnPromise }, manual: true);
        PrepareWithoutOwnPromise(sim);
        sim.DeliverWhere(m => m.Message is Accept && m.To == B);
        sim.DropWhere(m => m.To == A || m.From == B);
        sim.Crash(A);
        sim.Restart(A);
        sim.Propose(A, "a2");
        sim.DropWhere(m => m.Message is Prepare && m.To == B);
        sim.DeliverAllWhere(m => m.Message is Prepare or PrepareReply);
        var violation = Assert.Throws<InvariantViolation>(() => sim.DeliverAllWhere(m => m.Message is Accept));
        Assert.Contains("invariant 1: ballot (1,n1) carries two values for instance 0", violation.Message);
    }

    [Fact]
    public void With_our_rule_the_proposer_waits_for_its_own_promise_before_any_accept()
    {
        var sim = new Simulation(3, seed: 16, new ProtocolOptions(), manual: true);
        PrepareWithoutOwnPromise(sim);
        Assert.DoesNotContain(sim.InFlight, m => m.Message is Accept);
    }

    /// <summary>A proposes a1; its prepare to itself is lost, B and C promise (1,A).</summary>
    private static void PrepareWithoutOwnPromise(Simulation sim)
    {
        sim.Propose(A, "a1");
        sim.DropWhere(m => m.Message is Prepare && m.To == A);
        sim.DeliverAllWhere(m => m.Message is Prepare or PrepareReply);
    }

    private static bool IsOld(InFlight m) => m.Message is Accept a && Simulation.Describe(a.Value) == "a1";
}
