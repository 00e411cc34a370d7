using Akka.Actor;
using Akka.Persistence;
using PaxosActors.Core;

namespace PaxosActors.Actors;

/// <summary>
/// Reads a range of one acceptor's events back through its journal plugin's replay (any
/// Akka.Persistence journal can), hands the chosen instances among them (values resolved by
/// <see cref="ChosenLog"/>) to the acceptor as one <see cref="StorageRead"/>, and stops. A failed or stalled read answers Status.Failure.
/// </summary>
internal sealed class JournalReader : UntypedActor
{
    private readonly ServeFromStorage _request;
    private readonly List<AcceptorEvent> _read = [];

    public JournalReader(IActorRef journal, string persistenceId, long fromSequenceNr, long toSequenceNr, ServeFromStorage request)
    {
        _request = request;
        journal.Tell(new ReplayMessages(fromSequenceNr, toSequenceNr, long.MaxValue, persistenceId, Self));
        Context.SetReceiveTimeout(TimeSpan.FromSeconds(30));
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ReplayedMessage { Persistent.Payload: AcceptorEvent e }:
                _read.Add(e);
                break;
            case ReplayedMessage:
                break;
            case RecoverySuccess:
                Context.Parent.Tell(new StorageRead(_request, ChosenLog.Values(_read, _request.From)));
                Context.Stop(Self);
                break;
            case ReplayMessagesFailure f:
                Context.Parent.Tell(new Status.Failure(f.Cause));
                Context.Stop(Self);
                break;
            case ReceiveTimeout:
                Context.Parent.Tell(new Status.Failure(new TimeoutException("The journal did not answer a read within 30 s.")));
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
