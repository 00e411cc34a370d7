namespace PaxosActors.Core.Tests.Simulation;

/// <summary>The safety invariants of DESIGN.md, checked as the run goes.</summary>
internal sealed partial class Simulation
{
    private readonly Dictionary<(long, Ballot), byte[]> _ballotValues = [];

    /// <summary>Whether to check that a ballot carries one value per instance (on unless a script shows what follows).</summary>
    public bool CheckBallots { get; init; } = true;

    /// <summary>Invariants 1 and 6, and "every chosen value was proposed".</summary>
    private void CheckAgreement(SimNode n, InstanceLearned l)
    {
        var value = Describe(l.Value);
        var unknown = value.Split(',').FirstOrDefault(c => c != "fence" && !_callers.ContainsKey(c));
        if (unknown is not null)
        {
            Fail($"validity: node {n.Id} learned '{unknown}' at {l.Instance}, which nobody proposed");
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

        // The learner's mailbox may still hold instances the coordinator learned before a
        // checkpoint this node installed since: the learner passes over them (they are in it).
        var inInstalled = l.Instance < n.Learner.NextInstance && l.Instance < (n.Installed?.Instance ?? 0);
        if (l.Instance != n.Learner.NextInstance && !inInstalled)
        {
            Fail($"invariant 3: node {n.Id} learned {l.Instance} while its log ends before {n.Learner.NextInstance}");
        }
    }

    /// <summary>
    /// What agreement rests on (Paxos's P2): a ballot carries one value per instance. An
    /// acceptor that accepted an Accept holds exactly its value, and no two accepts of one
    /// ballot and instance carry different values anywhere.
    /// </summary>
    private void CheckOneValuePerBallot(SimNode n, Accept a)
    {
        if (!CheckBallots)
        {
            return;
        }

        var key = (a.Instance, a.Ballot);
        if (_ballotValues.TryGetValue(key, out var first) && !first.AsSpan().SequenceEqual(a.Value))
        {
            Fail($"invariant 1: ballot {a.Ballot} carries two values for instance {a.Instance} ('{Describe(first)}' and '{Describe(a.Value)}')");
        }

        _ballotValues[key] = a.Value;
        var state = n.Acceptor.State;
        if (state.Instance == a.Instance && state.AcceptedBallot == a.Ballot && !state.AcceptedValue.AsSpan().SequenceEqual(a.Value))
        {
            Fail($"invariant 1: node {n.Id} holds '{Describe(state.AcceptedValue!)}' at {a.Ballot} for instance {a.Instance} and was asked to accept '{Describe(a.Value)}'");
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
                if (!_chosen.TryGetValue(i, out var c) || c.Value != n.Executed[i])
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

    /// <summary>Invariant 5: every command a client was told ran, ran on every node.</summary>
    public void CheckAcknowledged()
    {
        foreach (var n in InGroup())
        {
            var lost = _acknowledged.FirstOrDefault(v => !n.Ran.Contains(v));
            if (lost is not null)
            {
                Fail($"invariant 5: '{lost}' was acknowledged but node {n.Id} has not run it");
            }
        }
    }
}
