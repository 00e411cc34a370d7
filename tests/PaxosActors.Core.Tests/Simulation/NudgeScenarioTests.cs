namespace PaxosActors.Core.Tests.Simulation;

/// <summary>
/// The read barrier's liveness gap, closed: a proposer dies after one acceptor (not a majority)
/// accepted its value, so a read whose round asked that acceptor waits for an instance no one is
/// deciding. A nudge at another node proposes a fence, whose round finds the value and gets it
/// chosen. Scripted on three nodes A, B, C.
/// </summary>
public sealed class NudgeScenarioTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);

    [Fact]
    public void A_nudge_closes_an_instance_a_dead_proposer_left_accepted_by_a_minority()
    {
        var sim = new Simulation(3, seed: 5, new ProtocolOptions(), manual: true);
        sim.Propose(A, "a1");
        sim.DeliverAllWhere(m => m.Message is Prepare or PrepareReply);

        // Only B accepts: A's accept to itself and to C are lost, and A crashes.
        sim.DeliverWhere(m => m.Message is Accept && m.To == B);
        sim.DropWhere(_ => true);
        sim.Crash(A);
        Assert.Empty(sim.Chosen);
        Assert.Equal(1, sim.Nodes[B].Acceptor.ReadIndex);

        // Nothing else is proposed: without a nudge instance 0 stays open for good.
        sim.DeliverAllWhere(m => m.To != A);
        Assert.Empty(sim.Chosen);

        sim.Nudge(C);
        sim.DeliverAllWhere(m => m.To != A);
        Assert.Equal("a1", sim.Chosen[0].Value);
        Assert.Equal("fence", sim.Chosen[1].Value);
    }

    [Fact]
    public void A_nudge_does_nothing_while_the_node_proposes()
    {
        var sim = new Simulation(3, seed: 5, new ProtocolOptions(), manual: true);
        sim.Propose(B, "b1");
        var before = sim.InFlight.Count;
        sim.Nudge(B);
        Assert.Equal(before, sim.InFlight.Count);
        sim.DeliverAllWhere(_ => true);
        Assert.Equal(["b1"], sim.Chosen.Values.Select(v => v.Value));
    }
}
