using Akka.Actor;
using PaxosActors.Core;

namespace PaxosActors.Actors;

/// <summary>
/// Reads without writes: the master answers from its lease, other nodes run the read barrier's
/// rounds, and the learner runs each read once it has caught up with its index. Reads that wait
/// for an instance no one decides (a proposer died after a minority accepted its value there)
/// have the proposer close it with a fence.
/// </summary>
internal sealed partial class GroupActor
{
    private readonly Dictionary<long, (Read Request, IActorRef ReplyTo)> _reads = [];
    private readonly ReadBarrier _barrier;
    private long _readIds;

    // The highest index a read handed to the learner waits for, since when something has waited
    // above this node's log, and when the proposer was last nudged.
    private long _awaitedIndex = -1;
    private long _awaitedSince;
    private long _nudgedAt = long.MinValue / 2;

    private static long Now => Environment.TickCount64;

    private void BeginRead(Read request, IActorRef replyTo)
    {
        if (!_machines.TryGetValue(request.StateMachineId, out var machine) || machine is not IReadableStateMachine)
        {
            replyTo.Tell(new ProposeFailed(ProposeFailureReason.UnknownStateMachine, $"State machine {request.StateMachineId} of group {_group.Name} does not answer reads (IReadableStateMachine) on this node; propose the query instead."));
            return;
        }

        if (_settings.LeaseReads && _coordinator.LeaseReadIndex() is { } index)
        {
            // This node holds the master lease: no other node's value can be chosen, so the read
            // needs no round, only this node's learner to have executed up to the index.
            _protocol.Breakpoints.Count("group.read.lease");
            Await(index);
            _learner.Tell(new ReadAt(index, _system.Version, request, replyTo));
            return;
        }

        _protocol.Breakpoints.Count("group.read.barrier");
        var id = ++_readIds;
        _reads[id] = (request, replyTo);
        var now = Now;
        Run(_barrier.Begin(id, now, now + (long)_settings.Protocol.ProposeTimeout.TotalMilliseconds, Members));
        StartReadTick();
    }

    private void StartReadTick()
    {
        if (!Timers.IsTimerActive("read"))
        {
            // Started once, not per read: restarting it would push its first tick back with every
            // read, and a steady stream of reads would keep lost rounds and deadlines from ever
            // being looked at.
            Timers.StartPeriodicTimer("read", ReadTick.Instance, TimeSpan.FromMilliseconds(Math.Max(10, _settings.Protocol.AcceptTimeout.TotalMilliseconds / 4)));
        }
    }

    /// <summary>A read waits for the instances below <paramref name="index"/>: watch that they get chosen.</summary>
    private void Await(long index)
    {
        if (index <= _coordinator.Instance)
        {
            return;
        }

        if (_awaitedIndex <= _coordinator.Instance)
        {
            _awaitedSince = Now;
        }

        _awaitedIndex = Math.Max(_awaitedIndex, index);
        StartReadTick();
    }

    /// <summary>
    /// Reads have waited two accept timeouts for instances this node has not learned (it asked
    /// its peers at once): if no one is deciding them, a fence from here closes them.
    /// </summary>
    private void NudgeIfStuck(long now)
    {
        var after = Math.Max(50, 2 * (long)_settings.Protocol.AcceptTimeout.TotalMilliseconds);
        if (_awaitedIndex > _coordinator.Instance && now - _awaitedSince >= after && now - _nudgedAt >= after)
        {
            _nudgedAt = now;
            _protocol.Breakpoints.Count("group.read.nudge");
            _proposer.Tell(Nudge.Instance);
        }
    }

    private void ReadAnswered(ReadIndexReply reply)
    {
        var (ready, effects) = _barrier.Answer(reply, Now, Members);
        foreach (var r in ready)
        {
            if (_reads.Remove(r.Read, out var read))
            {
                Await(r.Index);
                _learner.Tell(new ReadAt(r.Index, _system.Version, read.Request, read.ReplyTo));
            }
        }

        Run(effects);

        // Instances were chosen that this node has not heard of: ask for them now rather than at
        // the next learn tick, so the read does not wait for it.
        if (ready.Count > 0 && ready.Max(r => r.Index) > _coordinator.Instance)
        {
            Run(_coordinator.OnLearnTick());
        }
    }

    private void ReadTicked()
    {
        var (expired, effects) = _barrier.Tick(Now, Members);
        foreach (var id in expired)
        {
            if (_reads.Remove(id, out var read))
            {
                read.ReplyTo.Tell(new ProposeFailed(ProposeFailureReason.Timeout, $"No majority of group {_group.Name} answered the read barrier in time; nothing was read or written."));
            }
        }

        Run(effects);
        NudgeIfStuck(Now);
        if (_barrier.Waiting == 0 && _awaitedIndex <= _coordinator.Instance)
        {
            Timers.Cancel("read");
        }
    }
}
