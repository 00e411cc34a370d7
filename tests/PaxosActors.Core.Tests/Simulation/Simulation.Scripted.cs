namespace PaxosActors.Core.Tests.Simulation;

/// <summary>Manual mode: the test is the network and delivers each message itself.</summary>
internal sealed partial class Simulation
{
    /// <summary>Delivers, in send order, the messages in flight now that match; returns how many.</summary>
    public int DeliverWhere(Func<InFlight, bool> match)
    {
        var now = InFlight.Where(match).ToList();
        foreach (var m in now)
        {
            InFlight.Remove(m);
            if (Nodes[m.To].Up)
            {
                Run(Nodes[m.To], Nodes[m.To].Coordinator.Handle(m.Message));
            }
        }

        return now.Count;
    }

    /// <summary>Delivers until nothing matching is in flight (bounded).</summary>
    public void DeliverAllWhere(Func<InFlight, bool> match)
    {
        for (var i = 0; i < 1000 && DeliverWhere(match) > 0; i++)
        {
        }
    }

    public int DropWhere(Func<InFlight, bool> match) => InFlight.RemoveAll(m => match(m));

    /// <summary>A read that waited too long at <paramref name="node"/> asks it to close the open instance (<see cref="ClientQueue.Nudge"/>).</summary>
    public void Nudge(NodeId node) => Run(Nodes[node], Nodes[node].Queue.Nudge(Now));

    /// <summary>Fires the proposer timer the node armed last (a back-off or round timeout).</summary>
    public void FireTimer(NodeId node) => Run(Nodes[node], Nodes[node].Queue.OnRoundTimer(ArmedTimers[node], Now));
}
