namespace PaxosActors.Core;

/// <summary>
/// What a learner does with one chosen value, decided by the <see cref="DuplicateFilter"/>: the
/// commands to run, in order, and the floors of this node's own session that the proposer must
/// hear of. The host runs the state machines and reports this node's commands to its proposer
/// in exactly this order, so an answer that a command ran always comes before a floor that
/// would settle it as not run.
/// </summary>
internal static class ExecutionPlan
{
    /// <exception cref="PaxosFormatException">The value does not decode: every node skips it alike.</exception>
    public static IReadOnlyList<ExecutionStep> For(DuplicateFilter filter, NodeId self, ReadOnlySpan<byte> value)
    {
        var decoded = ProposalValue.Decode(value);
        var steps = new List<ExecutionStep>(decoded.Commands.Count);
        for (var i = 0; i < decoded.Commands.Count; i++)
        {
            var command = decoded.Commands[i];
            var admission = filter.Admit(command);
            if (admission.FloorRaised > 0 && command.Origin == self)
            {
                steps.Add(new FloorStep(command.Session, admission.FloorRaised));
            }

            steps.Add(admission.Runs ? new RunStep(i, command) : new SkipStep(i, command, admission.Verdict));
        }

        return steps;
    }
}

/// <summary>One step of an <see cref="ExecutionPlan"/>.</summary>
internal abstract record ExecutionStep;

/// <summary>
/// Run the <see cref="Index"/>-th command of the value (a fence runs nothing); if this node is
/// its origin, tell the proposer it ran.
/// </summary>
internal sealed record RunStep(int Index, StoredCommand Command) : ExecutionStep;

/// <summary>The command ran before, or its origin settled it as never to run: skip it.</summary>
internal sealed record SkipStep(int Index, StoredCommand Command, AdmitVerdict Why) : ExecutionStep;

/// <summary>Tell this node's proposer that a floor of its <see cref="Session"/> passed.</summary>
internal sealed record FloorStep(long Session, long Floor) : ExecutionStep;
