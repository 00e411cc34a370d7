using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Microsoft.Data.Sqlite;
using PaxosActors.Core;
using PaxosActors.Hosting;

namespace PaxosActors.Persistence.Sqlite;

/// <summary>
/// An Akka.Persistence journal in one SQLite file per node, shared by all of the node's groups.
/// One writer thread owns a single connection and commits everything queued since its last
/// commit in one transaction: one fsync for many acceptors' events (group commit across
/// groups), which Akka.Persistence.Sql does not do on SQLite. A write's task completes only
/// after its transaction is durable (WAL, synchronous=FULL by default). Reads use their own
/// pooled connections and run beside the writer.
/// </summary>
public sealed class SqliteJournal : AsyncWriteJournal
{
    /// <summary>The plugin's config path: set <c>akka.persistence.journal.plugin</c> to it.</summary>
    public const string ConfigPath = PaxosExtension.SqliteJournalPath;

    private readonly SqliteWriter _writer;
    private readonly string _readConnection;
    private readonly Akka.Serialization.Serialization _serialization;
    private readonly Breakpoints _metrics;

    public SqliteJournal(Config config)
    {
        var path = config.GetString("path", string.Empty);
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ConfigurationException($"{ConfigPath}.path must name the journal file.");
        }

        var synchronous = config.GetString("synchronous", "full").ToUpperInvariant();
        if (synchronous is not ("FULL" or "EXTRA" or "NORMAL"))
        {
            throw new ConfigurationException($"{ConfigPath}.synchronous must be full, extra or normal, not '{synchronous}'.");
        }

        var maxBatch = config.GetInt("max-batch-size", 1000);
        if (maxBatch < 1)
        {
            throw new ConfigurationException($"{ConfigPath}.max-batch-size must be at least 1.");
        }

        var busy = config.GetTimeSpan("busy-timeout", TimeSpan.FromSeconds(5));
        if (busy < TimeSpan.FromSeconds(1))
        {
            throw new ConfigurationException($"{ConfigPath}.busy-timeout must be at least 1s.");
        }

        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        _serialization = Context.System.Serialization;
        _metrics = NodeMetrics.For(Context.System);
        _writer = new SqliteWriter(full, synchronous, maxBatch, busy);
        _readConnection = new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadOnly, Pooling = true }.ToString();
    }

    protected override void PostStop()
    {
        _writer.Dispose();
        base.PostStop();
    }

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        // Serialize here, on the journal actor: a value that cannot be serialized rejects its own
        // atomic write only; the others still go to disk.
        var results = new List<Exception>();
        var rows = new List<JournalRow>();
        foreach (var write in messages)
        {
            try
            {
                var batch = ((IImmutableList<IPersistentRepresentation>)write.Payload).Select(ToRow).ToList();
                rows.AddRange(batch);
                results.Add(null!);
            }
            catch (Exception e)
            {
                results.Add(e);
            }
        }

        if (rows.Count == 0)
        {
            return Task.FromResult<IImmutableList<Exception>>(results.ToImmutableList());
        }

        return _writer.Write(rows).ContinueWith(
            t =>
            {
                if (t.IsFaulted)
                {
                    throw t.Exception!.InnerException!;
                }

                // What the rows hold, column by column: the figure `paxos bench` divides by commands.
                _metrics.Count("journal.written_bytes", rows.Sum(r => r.Size));
                _metrics.Count("journal.written_events", rows.Count);
                return (IImmutableList<Exception>)results.ToImmutableList();
            },
            TaskContinuationOptions.ExecuteSynchronously);
    }

    protected override Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken) =>
        _writer.Delete(persistenceId, toSequenceNr);

    public override Task ReplayMessagesAsync(IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<IPersistentRepresentation> recoveryCallback)
    {
        if (max <= 0 || toSequenceNr < fromSequenceNr)
        {
            return Task.CompletedTask;
        }

        return Task.Run(() =>
        {
            using var connection = OpenRead();
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT sequence_nr, serializer_id, manifest, payload, event_manifest, writer
                FROM paxos_journal WHERE persistence_id = $id AND sequence_nr BETWEEN $from AND $to
                ORDER BY sequence_nr LIMIT $max
                """;
            command.Parameters.AddWithValue("$id", persistenceId);
            command.Parameters.AddWithValue("$from", fromSequenceNr);
            command.Parameters.AddWithValue("$to", toSequenceNr);
            command.Parameters.AddWithValue("$max", max);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var payload = _serialization.Deserialize((byte[])reader[3], reader.GetInt32(1), reader.GetString(2));
                recoveryCallback(new Persistent(payload, reader.GetInt64(0), persistenceId, reader.GetString(4), false, ActorRefs.NoSender, reader.GetString(5)));
            }
        });
    }

    public override Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken) => Task.Run(() =>
    {
        using var connection = OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT max(coalesce((SELECT max(sequence_nr) FROM paxos_journal WHERE persistence_id = $id), 0),
                       coalesce((SELECT highest_sequence_nr FROM paxos_deleted WHERE persistence_id = $id), 0))
            """;
        command.Parameters.AddWithValue("$id", persistenceId);
        return (long)command.ExecuteScalar()!;
    }, cancellationToken);

    private SqliteConnection OpenRead()
    {
        var connection = new SqliteConnection(_readConnection);
        connection.Open();
        return connection;
    }

    private JournalRow ToRow(IPersistentRepresentation p)
    {
        var payload = p.Payload;
        var serializer = _serialization.FindSerializerFor(payload);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, payload);
        return new JournalRow(p.PersistenceId, p.SequenceNr, serializer.Identifier, manifest, serializer.ToBinary(payload), p.Manifest ?? string.Empty, p.WriterGuid ?? string.Empty);
    }
}
