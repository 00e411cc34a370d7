using Akka.Actor;

namespace PaxosActors.Actors;

/// <summary>Reads past their barrier wait here until the state machines have executed up to it.</summary>
internal sealed partial class LearnerActor
{
    private readonly List<ReadAt> _waitingReads = [];

    private void ReadWhenCaughtUp(ReadAt read)
    {
        if (_executed >= read.Index)
        {
            Serve(read);
        }
        else
        {
            _waitingReads.Add(read);
        }
    }

    /// <summary>Runs the reads whose barrier this node has now passed.</summary>
    private void ServeReads()
    {
        if (_waitingReads.Count == 0)
        {
            return;
        }

        var due = _waitingReads.Where(r => _executed >= r.Index).ToList();
        _waitingReads.RemoveAll(r => _executed >= r.Index);
        due.ForEach(Serve);
    }

    private void Serve(ReadAt read)
    {
        // A membership change since the barrier's round: that round may have asked the wrong
        // majority, so the read goes through a new one.
        if (_system.Version != read.MembersVersion)
        {
            Context.Parent.Tell(new ReadAgain(read.Request, read.ReplyTo));
            return;
        }

        object? result;
        try
        {
            result = ((IReadableStateMachine)_machines[read.Request.StateMachineId]).Read(read.Request.Query);
        }
        catch (Exception e)
        {
            result = new StateMachineError(e.GetType().FullName ?? e.GetType().Name, e.Message);
        }

        read.ReplyTo.Tell(new ProposeResult(read.Index, result));
    }
}
