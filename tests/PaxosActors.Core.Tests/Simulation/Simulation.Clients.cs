using System.Text;

namespace PaxosActors.Core.Tests.Simulation;

/// <summary>
/// Clients on every node, and the invariants about what they are told (DESIGN.md 9 and 10),
/// checked at every answer and every execution: every caller gets exactly one answer; "did not
/// run" means the command never runs on any node, ever; success means it ran; no node runs a
/// command twice in one life; and every node runs the same commands at the same instance.
/// </summary>
internal sealed partial class Simulation
{
    private readonly Dictionary<string, Caller> _callers = [];
    private readonly HashSet<string> _ranAnywhere = [];
    private readonly HashSet<string> _didNotRun = [];
    private readonly HashSet<string> _acknowledged = [];
    private readonly Dictionary<long, string> _ranAt = [];
    private readonly Dictionary<long, string> _systemAt = [];

    public int Acknowledged => _acknowledged.Count;

    /// <summary>A client hands the command <paramref name="command"/> (a unique name) to <paramref name="node"/> now.</summary>
    public void Propose(NodeId node, string command) => Submit(node, command, batch: false);

    /// <summary>The answer the caller of <paramref name="command"/> got, if any.</summary>
    public ClientOutcome? OutcomeOf(string command) => _callers.TryGetValue(command, out var c) ? c.Outcome : null;

    /// <summary>Describes a chosen value: its commands' names, fences as "fence".</summary>
    public static string Describe(byte[] value) =>
        string.Join(",", ProposalValue.Decode(value).Commands.Select(Name));

    /// <summary>A command's name: fences are "fence", membership changes "sys:" and their bytes.</summary>
    private static string Name(StoredCommand c) =>
        c.IsFence ? "fence" : c.IsSystem ? "sys:" + Convert.ToHexString(c.Payload) : c.IsMaster ? "bid:" + Convert.ToHexString(c.Payload) : Encoding.UTF8.GetString(c.Payload);

    /// <summary>A client asks <paramref name="node"/> to change the membership now.</summary>
    public void ProposeChange(NodeId node, MemberChange change)
    {
        var n = Nodes[node];
        var payload = change.Encode();
        var command = "sys:" + Convert.ToHexString(payload);
        if (!n.Up || !n.Coordinator.Members.Contains(n.Id) || !_callers.TryAdd(command, new Caller(node)))
        {
            return;
        }

        Count("membership.proposed");
        var (sequence, effects) = n.Queue.Submit(StoredCommand.SystemMachine, 0, string.Empty, payload, false, Now);
        n.Callers[sequence] = command;
        Run(n, effects);
    }

    private void Submit(NodeId node, string command, bool batch)
    {
        var n = Nodes[node];
        if (!n.Up || _callers.ContainsKey(command))
        {
            return;
        }

        if (!n.Coordinator.Members.Contains(n.Id))
        {
            // GroupActor refuses it at once (NotMember): the node does not vote as far as it knows.
            Count("client.not_member");
            _callers[command] = new Caller(node) { Outcome = new Failed(ClientFailure.Stopped, "not a member", OutcomeUnknown: false) };
            _didNotRun.Add(command);
            return;
        }

        _callers[command] = new Caller(node);
        var (sequence, effects) = n.Queue.Submit(1, 0, string.Empty, Encoding.UTF8.GetBytes(command), batch, Now);
        n.Callers[sequence] = command;
        Run(n, effects);
    }

    private void Answered(SimNode n, Answer a)
    {
        if (!n.Callers.Remove(a.Sequence, out var command))
        {
            Fail($"invariant 9: node {n.Id} answered sequence {a.Sequence}, which has no waiting caller (answered twice?)");
            return;
        }

        var caller = _callers[command];
        caller.Outcome = a.Outcome;
        switch (a.Outcome)
        {
            case Core.Ran:
                Count("client.ran");
                if (!n.Ran.Contains(command))
                {
                    Fail($"invariant 9: '{command}' was answered as run, but node {n.Id} has not run it");
                }

                _acknowledged.Add(command);
                break;
            case Failed { OutcomeUnknown: false } f:
                BidFailed(n, command);
                Count("client.did_not_run." + f.Reason);
                if (_ranAnywhere.Contains(command))
                {
                    Fail($"invariant 9: '{command}' was answered {f.Reason} 'did not run', but it ran");
                }

                _didNotRun.Add(command);
                break;
            case Failed f:
                BidFailed(n, command);
                Count("client.unknown." + f.Reason);
                break;
        }
    }

    private void Execute(SimNode n, Execute x)
    {
        if (x.Instance != n.Executed.Count)
        {
            Fail($"invariant 3: node {n.Id} executed instance {x.Instance} after {n.Executed.Count} others");
        }

        n.Executed.Add(Describe(x.Value));
        var ran = new List<string>();
        foreach (var step in ExecutionPlan.For(n.Filter, n.Id, x.Value))
        {
            switch (step)
            {
                case RunStep r:
                    var command = Name(r.Command);
                    ran.Add(command);
                    if (r.Command.IsSystem)
                    {
                        ApplyChange(n, r.Command);
                    }

                    if (r.Command.IsMaster)
                    {
                        ApplyBid(n, x.Instance, r.Command);
                    }

                    if (!r.Command.IsFence)
                    {
                        RanOn(n, command);
                    }

                    if (r.Command.Origin == n.Id)
                    {
                        Run(n, n.Queue.Executed(r.Command.Session, r.Command.Sequence, x.Instance, r.Index, null, Now));
                    }

                    break;
                case FloorStep f:
                    Run(n, n.Queue.FloorPassed(f.Session, f.Floor, Now));
                    break;
                case SkipStep:
                    Count("learner.skipped");
                    break;
            }
        }

        // The filter is a function of the log: every node, in every life, runs the same commands.
        var here = string.Join(",", ran);
        if (_ranAt.TryGetValue(x.Instance, out var first) && first != here)
        {
            Fail($"invariant 10: node {n.Id} ran [{here}] at {x.Instance}, another node ran [{first}]");
        }

        _ranAt[x.Instance] = here;
        CheckMembership(n, x.Instance);
        ServeReads(n);
        if (ProposalValue.HoldsTheLog(x.Value, Master is not null) && !n.Replaying)
        {
            // Like LearnerActor: the coordinator waits for the membership the change made.
            Run(n, n.Coordinator.SystemApplied(x.Instance + 1, n.System));
        }
    }

    /// <summary>The system state machine: every node applies the same changes to the same membership.</summary>
    private void ApplyChange(SimNode n, StoredCommand command)
    {
        var outcome = n.System.Apply(MemberChange.Decode(command.Payload));
        n.System = outcome.State;
        if (outcome.Applied)
        {
            Count("membership.applied");
        }

    }

    /// <summary>Every node has the same membership after the same instance.</summary>
    private void CheckMembership(SimNode n, long instance)
    {
        var described = $"{n.System} {n.MasterState}";
        if (_systemAt.TryGetValue(instance, out var first) && first != described)
        {
            Fail($"membership: node {n.Id} has {described} after instance {instance}, another node {first}");
        }

        _systemAt[instance] = described;
    }

    private void RanOn(SimNode n, string command)
    {
        if (!n.Ran.Add(command))
        {
            Fail($"invariant 10: node {n.Id} ran '{command}' twice");
        }

        if (_didNotRun.Contains(command))
        {
            Fail($"invariant 9: '{command}' runs on node {n.Id}, but its caller was told it did not run");
        }

        _ranAnywhere.Add(command);
    }

    /// <summary>A node crashed: its callers crashed with it and wait for nothing.</summary>
    private void CallersDied(SimNode n)
    {
        foreach (var command in n.Callers.Values)
        {
            _callers[command].Died = true;
        }
    }

    /// <summary>Invariant 9's "exactly one": once everything is quiet, every living caller had its answer.</summary>
    public void CheckEveryCallerAnswered()
    {
        var waiting = _callers.FirstOrDefault(c => c.Value.Outcome is null && !c.Value.Died);
        if (waiting.Key is not null)
        {
            Fail($"invariant 9: the caller of '{waiting.Key}' at node {waiting.Value.Node} never got an answer");
        }
    }

    private sealed class Caller(NodeId node)
    {
        public NodeId Node { get; } = node;

        public ClientOutcome? Outcome { get; set; }

        public bool Died { get; set; }
    }
}
