using Akka.Actor;

namespace PaxosActors.TestKit;

/// <summary>
/// Every <see cref="PaxosStorageEvent"/> one node's ActorSystem published in its current life,
/// recorded from before its groups started, and the waits for them.
/// </summary>
internal sealed class StorageEventLog
{
    private readonly object _gate = new();
    private readonly List<PaxosStorageEvent> _events = [];
    private readonly List<(Func<PaxosStorageEvent, bool> Match, TaskCompletionSource<PaxosStorageEvent> Seen)> _waits = [];

    /// <summary>Starts recording <paramref name="system"/>'s events; the subscription holds before this returns.</summary>
    public static StorageEventLog Attach(ActorSystem system)
    {
        var log = new StorageEventLog();
        var recorder = system.ActorOf(Props.Create(() => new Recorder(log)), "paxos-testkit-storage-events");
        system.EventStream.Subscribe(recorder, typeof(PaxosStorageEvent));
        return log;
    }

    public IReadOnlyList<PaxosStorageEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The first event recorded, or still to come, that <paramref name="match"/> accepts.</summary>
    public Task<PaxosStorageEvent> FirstAsync(Func<PaxosStorageEvent, bool> match)
    {
        lock (_gate)
        {
            if (_events.FirstOrDefault(match) is { } seen)
            {
                return Task.FromResult(seen);
            }

            var wait = new TaskCompletionSource<PaxosStorageEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waits.Add((match, wait));
            return wait.Task;
        }
    }

    private void Add(PaxosStorageEvent e)
    {
        lock (_gate)
        {
            _events.Add(e);
            foreach (var w in _waits.Where(w => w.Match(e)).ToList())
            {
                w.Seen.TrySetResult(e);
                _waits.Remove(w);
            }
        }
    }

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(StorageEventLog log) => Receive<PaxosStorageEvent>(log.Add);
    }
}
