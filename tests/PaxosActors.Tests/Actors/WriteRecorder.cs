using Akka.Persistence;
using Akka.Persistence.TestKit;

namespace PaxosActors.Tests.Actors;

/// <summary>A journal interceptor that lets every write through and keeps the events in the order written.</summary>
internal sealed class WriteRecorder : IJournalInterceptor
{
    private readonly List<object> _events = [];

    public IReadOnlyList<object> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public Task InterceptAsync(IPersistentRepresentation message)
    {
        lock (_events)
        {
            _events.Add(message.Payload);
        }

        return Task.CompletedTask;
    }
}
