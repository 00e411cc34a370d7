using Akka.Persistence;
using Akka.Persistence.TestKit;

namespace PaxosActors.Tests.Actors;

/// <summary>
/// A TestJournal write interceptor that holds every write at the journal until the test opens
/// the gate. While it is shut a write has reached the journal but is not durable: nothing that
/// depends on it may leave. Opening it decides the first write's fate (stored, failed, or
/// rejected); every other write is stored.
/// </summary>
internal sealed class WriteGate : IJournalInterceptor
{
    private readonly TaskCompletionSource<Outcome> _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _writes;

    private enum Outcome
    {
        Pass,
        Fail,
        Reject,
    }

    /// <summary>Completes when the first write is waiting at the gate.</summary>
    public Task Reached => _reached.Task;

    public void Pass() => _open.TrySetResult(Outcome.Pass);

    /// <summary>The journal fails the first write (a storage outage): OnPersistFailure.</summary>
    public void FailFirst() => _open.TrySetResult(Outcome.Fail);

    /// <summary>The journal rejects the first write (it could not store that event): OnPersistRejected.</summary>
    public void RejectFirst() => _open.TrySetResult(Outcome.Reject);

    public async Task InterceptAsync(IPersistentRepresentation message)
    {
        var first = Interlocked.Increment(ref _writes) == 1;
        _reached.TrySetResult();
        var outcome = await _open.Task;
        if (!first)
        {
            return;
        }

        switch (outcome)
        {
            case Outcome.Fail:
                throw new TestJournalFailureException("The write gate failed this write.");
            case Outcome.Reject:
                throw new TestJournalRejectionException("The write gate rejected this write.");
        }
    }
}
