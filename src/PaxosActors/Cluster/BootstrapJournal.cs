using Akka.Actor;
using Akka.Persistence;

namespace PaxosActors.Cluster;

/// <summary>
/// This node's bootstrap outcome in its journal (one event: the record, as bytes), so a restart
/// starts the groups as they began without asking anyone. Tells its parent what it recovered,
/// and <see cref="BootstrapSaved"/> once a record is durable.
/// </summary>
internal sealed class BootstrapJournal : UntypedPersistentActor
{
    private BootstrapRecord? _record;

    public BootstrapJournal(string persistenceId, string journalPluginId)
    {
        PersistenceId = persistenceId;
        if (!string.IsNullOrEmpty(journalPluginId))
        {
            JournalPluginId = journalPluginId;
        }
    }

    public override string PersistenceId { get; }

    public static Props Props(int nodeId, string journalPluginId) =>
        Akka.Actor.Props.Create(() => new BootstrapJournal($"paxos-bootstrap-node-{nodeId}", journalPluginId));

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case byte[] bytes:
                _record = BootstrapRecord.Decode(bytes);
                break;
            case RecoveryCompleted:
                Context.Parent.Tell(new BootstrapRecovered(_record));
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case BootstrapRecord record when _record is null:
                Persist(record.Encode(), _ =>
                {
                    _record = record;
                    Context.Parent.Tell(new BootstrapSaved(record));
                });
                break;
            case BootstrapRecord:
                // One record per node, ever: the first one saved is the one kept.
                Context.Parent.Tell(new BootstrapSaved(_record!));
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}

/// <summary>What the journal held at start: the record, or null before the first bootstrap.</summary>
internal sealed record BootstrapRecovered(BootstrapRecord? Record);

/// <summary>The record is durable (or was already: then it is the one kept).</summary>
internal sealed record BootstrapSaved(BootstrapRecord Record);
