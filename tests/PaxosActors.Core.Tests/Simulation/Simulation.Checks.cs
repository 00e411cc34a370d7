using System.Text;

namespace PaxosActors.Core.Tests.Simulation;

/// <summary>The safety invariants of DESIGN.md, checked as the run goes.</summary>
internal sealed partial class Simulation
{
    /// <summary>Invariants 1 and 6, and "every chosen value was proposed".</summary>
    private void CheckAgreement(SimNode n, InstanceLearned l)
    {
        var value = Encoding.UTF8.GetString(l.Value);
        if (!_proposed.Contains(value))
        {
            Fail($"validity: node {n.Id} learned '{value}' at {l.Instance}, which nobody proposed");
        }

        if (_chosen.TryGetValue(l.Instance, out var first))
        {
            if (first.Value != value)
            {
                Fail($"invariant 1: node {n.Id} learned '{value}' at {l.Instance}, another node learned '{first.Value}'");
            }

            if (first.Checksum != l.Checksum)
            {
                Fail($"invariant 6: node {n.Id} has checksum {l.Checksum:x16} at {l.Instance}, another {first.Checksum:x16}");
            }
        }
        else
        {
            _chosen[l.Instance] = (value, l.Checksum);
        }

        if (l.Instance != n.Learner.NextInstance)
        {
            Fail($"invariant 3: node {n.Id} learned {l.Instance} while its log ends before {n.Learner.NextInstance}");
        }
    }

    /// <summary>Invariant 4 within one life: the in-memory promise never goes down.</summary>
    private void CheckPromise(SimNode n)
    {
        var now = n.Acceptor.State.Promised;
        if (_livePromise.TryGetValue(n.Id, out var before) && now < before)
        {
            Fail($"invariant 4: node {n.Id} promise went from {before} to {now}");
        }

        _livePromise[n.Id] = now;
    }

    /// <summary>Invariant 2: a positive acceptor reply leaves only once what it says is durable.</summary>
    private void CheckDurableBeforeReply(SimNode from, PaxosMessage m)
    {
        switch (m)
        {
            case PrepareReply { Ok: true } r when from.MaxDurablePromise < r.Ballot:
                Fail($"invariant 2: node {from.Id} promised {r.Ballot} before the promise was durable");
                break;
            case AcceptReply { Ok: true } r when !from.DurableAccepts.Contains((r.Instance, r.Ballot)):
                Fail($"invariant 2: node {from.Id} accepted {r.Ballot} at {r.Instance} before the accept was durable");
                break;
        }
    }

    /// <summary>Learned logs are prefixes of one another and agree with what was chosen.</summary>
    public void CheckLogs()
    {
        foreach (var n in Nodes.Values)
        {
            for (var i = 0; i < n.Executed.Count; i++)
            {
                if (!_chosen.TryGetValue(i, out var c) || c.Value != Encoding.UTF8.GetString(n.Executed[i]))
                {
                    Fail($"invariant 1: node {n.Id}'s log differs from the chosen one at {i}");
                }
            }

            var memory = n.Learner.InMemory;
            for (var i = 0; i < memory.Count; i++)
            {
                var instance = n.Learner.FirstInMemory + i;
                if (_chosen[instance].Checksum != memory[i].Checksum)
                {
                    Fail($"invariant 6: node {n.Id}'s checksum differs from the chosen one at {instance}");
                }
            }

            if (n.Up && n.Executed.Count != n.Learner.NextInstance)
            {
                Fail($"invariant 3: node {n.Id} executed {n.Executed.Count} instances of {n.Learner.NextInstance} learned");
            }
        }
    }

    /// <summary>Invariant 5: every value a client was told succeeded is in every node's log.</summary>
    public void CheckAcknowledged()
    {
        foreach (var n in Nodes.Values)
        {
            var log = n.Executed.Select(e => Encoding.UTF8.GetString(e)).ToHashSet();
            var lost = _acknowledged.FirstOrDefault(v => !log.Contains(v));
            if (lost is not null)
            {
                Fail($"invariant 5: '{lost}' was acknowledged but node {n.Id}'s log lacks it");
            }
        }
    }

    public int Acknowledged => _acknowledged.Count;

    public bool IsChosen(string value) => _chosen.Values.Any(c => c.Value == value);
}
