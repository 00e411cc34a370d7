using Akka.Actor;
using Akka.Event;
using PaxosActors.Core;

namespace PaxosActors.Actors;

/// <summary>
/// The learner's system state machine: the group's membership, changed by the commands the log
/// carries for state machine <see cref="StoredCommand.SystemMachine"/>, checkpointed with the
/// user's state machines, and reported to the group so that the next instance runs with it.
/// </summary>
internal sealed partial class LearnerActor
{
    private readonly SystemState _initialSystem;
    private SystemState _system;

    /// <summary>Runs one membership change; the outcome is the command's result.</summary>
    private MemberChangeOutcome ApplyChange(long instance, StoredCommand command, bool replaying)
    {
        MemberChange change;
        try
        {
            change = MemberChange.Decode(command.Payload);
        }
        catch (PaxosFormatException e)
        {
            // Every node decodes the same bytes the same way: all refuse it alike.
            _breakpoints.Count("learner.undecodable_value");
            return new MemberChangeOutcome(_system, false, false, $"The change is not readable: {e.Message}");
        }

        var outcome = _system.Apply(change);
        if (!outcome.Applied)
        {
            return outcome;
        }

        _system = outcome.State;
        if (!replaying)
        {
            _breakpoints.Count("learner.membership_changed");
            _log.Info("Group {0}: membership changed at instance {1} ({2}): {3}", _group, instance, change, _system);
            Publish(new MembershipChanged(_group, _router.Self.Value, instance, GroupMembership.Of(_group, _system, _router.Addresses)));
        }

        return outcome;
    }

    /// <summary>
    /// After a value that carries a membership change or a master bid: the coordinator may go on
    /// to the next instance (it waits for bids only in a group with a master).
    /// </summary>
    private void MembershipDone(Execute x, bool replaying)
    {
        if (!replaying && ProposalValue.HoldsTheLog(x.Value, _hasMaster))
        {
            Context.Parent.Tell(new MembershipApplied(x.Instance + 1, _system));
        }
    }

    private void Publish(MembershipChanged e) => Context.System.EventStream.Publish(e);

    /// <summary>Whether a checkpoint's sections are this group's: its machines and the filter, with or without the membership.</summary>
    private bool SectionsFit(IReadOnlyList<int> sections) =>
        sections.Where(s => s != CheckpointFormat.SystemSection).Order().SequenceEqual(_machines.Keys.Append(CheckpointFormat.FilterSection).Order());

    private sealed class FrozenBytes(byte[] bytes) : ICheckpointSnapshot
    {
        public void WriteTo(Stream destination) => destination.Write(bytes);
    }
}
