using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace PaxosActors.Persistence.Sqlite;

/// <summary>One event as the journal stores it: payload as serializer id + manifest + bytes.</summary>
internal sealed record JournalRow(string PersistenceId, long SequenceNr, int SerializerId, string Manifest, byte[] Payload, string EventManifest, string Writer)
{
    /// <summary>The bytes of its columns: text as UTF-8, the two numbers as 8 and 4.</summary>
    public long Size => System.Text.Encoding.UTF8.GetByteCount(PersistenceId) + 8 + 4 + System.Text.Encoding.UTF8.GetByteCount(Manifest) + Payload.Length
        + System.Text.Encoding.UTF8.GetByteCount(EventManifest) + System.Text.Encoding.UTF8.GetByteCount(Writer);
}

/// <summary>
/// The journal's writer: one thread, one connection, one transaction (and one fsync) for
/// everything that queued while the previous commit ran. Every job's task completes after the
/// commit that holds it, or fails with the commit's error: then none of that batch is durable.
/// </summary>
internal sealed class SqliteWriter : IDisposable
{
    private readonly BlockingCollection<Job> _queue = new();
    private readonly SqliteConnection _connection;
    private readonly int _maxBatch;
    private readonly Thread _thread;

    public SqliteWriter(string file, string synchronous, int maxBatch, TimeSpan busyTimeout)
    {
        _maxBatch = maxBatch;
        var seconds = (int)Math.Ceiling(busyTimeout.TotalSeconds);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false, DefaultTimeout = seconds }.ToString());
        _connection.Open();
        Execute($"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous};");
        Execute("""
            CREATE TABLE IF NOT EXISTS paxos_journal (
              persistence_id TEXT NOT NULL,
              sequence_nr INTEGER NOT NULL,
              serializer_id INTEGER NOT NULL,
              manifest TEXT NOT NULL,
              payload BLOB NOT NULL,
              event_manifest TEXT NOT NULL,
              writer TEXT NOT NULL,
              PRIMARY KEY (persistence_id, sequence_nr)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS paxos_deleted (
              persistence_id TEXT NOT NULL PRIMARY KEY,
              highest_sequence_nr INTEGER NOT NULL) WITHOUT ROWID;
            """);
        _thread = new Thread(Run) { IsBackground = true, Name = "paxos-sqlite-writer" };
        _thread.Start();
    }

    public Task Write(IReadOnlyList<JournalRow> rows) => Enqueue(new Job(rows, null, 0));

    public Task Delete(string persistenceId, long toSequenceNr) => Enqueue(new Job([], persistenceId, toSequenceNr));

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join();
        _connection.Dispose();
        _queue.Dispose();
    }

    private Task Enqueue(Job job)
    {
        try
        {
            _queue.Add(job);
        }
        catch (InvalidOperationException)
        {
            // Added after Dispose marked the queue complete: fail the write, do not throw.
            job.Done.SetException(new ObjectDisposedException(nameof(SqliteJournal), "The journal is stopping."));
        }

        return job.Done.Task;
    }

    private void Run()
    {
        var batch = new List<Job>();
        using var insert = _connection.CreateCommand();
        insert.CommandText = "INSERT INTO paxos_journal VALUES ($id, $seq, $ser, $man, $payload, $evman, $writer)";
        SqliteType[] types = [SqliteType.Text, SqliteType.Integer, SqliteType.Integer, SqliteType.Text, SqliteType.Blob, SqliteType.Text, SqliteType.Text];
        var parameters = new[] { "$id", "$seq", "$ser", "$man", "$payload", "$evman", "$writer" }.Select((n, i) => insert.Parameters.Add(n, types[i])).ToArray();
        var failures = new Dictionary<Job, Exception>();
        foreach (var first in _queue.GetConsumingEnumerable())
        {
            batch.Add(first);
            var rows = first.Rows.Count;
            while (rows < _maxBatch && _queue.TryTake(out var next))
            {
                batch.Add(next);
                rows += next.Rows.Count;
            }

            try
            {
                // Most batches commit whole. Only when a statement fails (a duplicate sequence
                // number) is the batch rolled back and written again job by job, each in a
                // savepoint, so that the failing job fails alone: the savepoints cost two
                // statements per job, and the writer's CPU is the node's (docs/benchmarks.md).
                if (!TryWriteWhole(batch, insert, parameters))
                {
                    WriteJobByJob(batch, insert, parameters, failures);
                }

                batch.ForEach(j => Complete(j, failures.GetValueOrDefault(j)));
            }
            catch (Exception e)
            {
                batch.ForEach(j => j.Done.SetException(e));
            }

            batch.Clear();
            failures.Clear();
        }
    }

    /// <summary>Writes the batch in one transaction; false (and nothing written) if a statement failed.</summary>
    private bool TryWriteWhole(List<Job> batch, SqliteCommand insert, SqliteParameter[] parameters)
    {
        using var tx = _connection.BeginTransaction();
        insert.Transaction = tx;
        try
        {
            foreach (var job in batch)
            {
                Apply(job, insert, parameters, tx);
            }
        }
        catch (SqliteException)
        {
            tx.Rollback();
            return false;
        }

        tx.Commit();
        return true;
    }

    /// <summary>Writes the batch in one transaction, each job in a savepoint: a job that fails is rolled back alone.</summary>
    private void WriteJobByJob(List<Job> batch, SqliteCommand insert, SqliteParameter[] parameters, Dictionary<Job, Exception> failures)
    {
        using var tx = _connection.BeginTransaction();
        insert.Transaction = tx;
        foreach (var job in batch)
        {
            tx.Save("job");
            try
            {
                Apply(job, insert, parameters, tx);
                tx.Release("job");
            }
            catch (SqliteException e)
            {
                tx.Rollback("job");
                tx.Release("job");
                failures[job] = e;
            }
        }

        tx.Commit();
    }

    private static void Complete(Job job, Exception? failure)
    {
        if (failure is null)
        {
            job.Done.SetResult();
        }
        else
        {
            job.Done.SetException(failure);
        }
    }

    private void Apply(Job job, SqliteCommand insert, SqliteParameter[] p, SqliteTransaction tx)
    {
        if (job.DeleteFrom is { } persistenceId)
        {
            using var delete = _connection.CreateCommand();
            delete.Transaction = tx;
            delete.CommandText = """
                INSERT INTO paxos_deleted VALUES ($id, coalesce((SELECT max(sequence_nr) FROM paxos_journal WHERE persistence_id = $id AND sequence_nr <= $to), 0))
                  ON CONFLICT (persistence_id) DO UPDATE SET highest_sequence_nr = max(highest_sequence_nr, excluded.highest_sequence_nr);
                DELETE FROM paxos_journal WHERE persistence_id = $id AND sequence_nr <= $to;
                """;
            delete.Parameters.AddWithValue("$id", persistenceId);
            delete.Parameters.AddWithValue("$to", job.DeleteTo);
            delete.ExecuteNonQuery();
            return;
        }

        foreach (var row in job.Rows)
        {
            p[0].Value = row.PersistenceId;
            p[1].Value = row.SequenceNr;
            p[2].Value = row.SerializerId;
            p[3].Value = row.Manifest;
            p[4].Value = row.Payload;
            p[5].Value = row.EventManifest;
            p[6].Value = row.Writer;
            insert.ExecuteNonQuery();
        }
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private sealed record Job(IReadOnlyList<JournalRow> Rows, string? DeleteFrom, long DeleteTo)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
