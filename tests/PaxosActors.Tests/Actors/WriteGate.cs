using Akka.Persistence;
using Akka.Persistence.TestKit;

namespace PaxosActors.Tests.Actors;

/// <summary>
/// A TestJournal write interceptor that holds every write at the journal until the test opens
/// the gate, and then lets them all through, fails them, or rejects them. While it is shut a
/// write has reached the journal but is not durable: nothing that depends on it may leave.
/// </summary>
internal sealed class WriteGate : IJournalInterceptor
{
    private readonly TaskCompletionSource<Outcome> _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private enum Outcome
    {
        Pass,
        Fail,
        Reject,
    }

    /// <summary>Completes when the first write is waiting at the gate.</summary>
    public Task Reached => _reached.Task;

    public void Pass() => _open.TrySetResult(Outcome.Pass);

    /// <summary>The journal fails the writes (a storage outage): OnPersistFailure.</summary>
    public void Fail() => _open.TrySetResult(Outcome.Fail);

    /// <summary>The journal rejects the writes (it could not store the event): OnPersistRejected.</summary>
    public void Reject() => _open.TrySetResult(Outcome.Reject);

    public async Task InterceptAsync(IPersistentRepresentation message)
    {
        _reached.TrySetResult();
        switch (await _open.Task)
        {
            case Outcome.Fail:
                throw new TestJournalFailureException("The write gate failed this write.");
            case Outcome.Reject:
                throw new TestJournalRejectionException("The write gate rejected this write.");
        }
    }
}
