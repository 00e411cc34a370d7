using Akka.Actor;
using PaxosActors.Core;

namespace PaxosActors.Actors;

/// <summary>
/// The learner's master state machine: the bids the log carries for state machine
/// <see cref="StoredCommand.MasterMachine"/>, applied in log order on every node alike (the
/// version is the fencing token), handed to the group's master actor, which keeps the lease's
/// clock, and told to the state machines that want it (<see cref="IMasterAware"/>).
/// </summary>
internal sealed partial class LearnerActor
{
    private MasterState _master = MasterState.Initial;

    /// <summary>Runs one master bid; the result says whether it took effect.</summary>
    private bool ApplyMasterBid(long instance, StoredCommand command)
    {
        MasterCommand bid;
        try
        {
            bid = MasterCommand.Decode(command.Payload);
        }
        catch (PaxosFormatException)
        {
            _breakpoints.Count("learner.undecodable_value");
            return false;
        }

        var next = _master.Apply(instance, bid);
        Context.Parent.Tell(new MasterLearned(instance, bid));
        if (next is null)
        {
            return false;
        }

        var changed = next.Master != _master.Master;
        _master = next;
        if (changed)
        {
            _breakpoints.Count("learner.master_changed");
        }

        TellMasterAware(instance);
        return true;
    }

    /// <summary>A checkpoint was loaded: the master actor and the state machines start from its master.</summary>
    private void MasterStateLoaded(long instance)
    {
        Context.Parent.Tell(new MasterLoaded(_master));
        TellMasterAware(instance);
    }

    private void TellMasterAware(long instance)
    {
        foreach (var machine in _machines.Values)
        {
            if (machine is IMasterAware aware)
            {
                aware.MasterChanged(_master.Master.Value, _master.Version, instance);
            }
        }
    }
}
