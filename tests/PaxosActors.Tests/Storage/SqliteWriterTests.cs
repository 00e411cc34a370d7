using Microsoft.Data.Sqlite;
using PaxosActors.Persistence.Sqlite;

namespace PaxosActors.Tests.Storage;

/// <summary>
/// The SQLite writer's group commit: a batch commits whole, and when one write in it fails (a
/// sequence number already taken) that write fails alone and every other one in the batch is
/// kept and acknowledged.
/// </summary>
public sealed class SqliteWriterTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"paxos-writer-{Guid.NewGuid():N}");

    [Fact]
    public async Task A_write_that_repeats_a_sequence_number_fails_alone_and_the_rest_of_its_batch_is_kept()
    {
        var file = Path.Combine(_folder, "node.db");
        Directory.CreateDirectory(_folder);
        using (var writer = new SqliteWriter(file, "full", maxBatch: 1000, TimeSpan.FromSeconds(5)))
        {
            // Queued together, so that they go in few batches; write 150 takes write 50's number.
            var writes = Enumerable.Range(0, 300)
                .Select(i => writer.Write([Row(i == 150 ? 50 : i)]))
                .ToList();
            var outcomes = await Task.WhenAll(writes.Select(async w =>
            {
                try
                {
                    await w;
                    return null;
                }
                catch (SqliteException e)
                {
                    return e;
                }
            }));

            var failed = outcomes.Select((e, i) => (e, i)).Where(x => x.e is not null).ToList();
            Assert.Single(failed);
            Assert.Contains(failed[0].i, new[] { 50, 150 });

            // And the writer goes on.
            await writer.Write([Row(1000)]);
        }

        SqliteConnection.ClearAllPools();
        using var read = new SqliteConnection($"Data Source={file}");
        read.Open();
        using var count = read.CreateCommand();
        count.CommandText = "SELECT count(*), count(DISTINCT sequence_nr) FROM paxos_journal";
        using var rows = count.ExecuteReader();
        Assert.True(rows.Read());
        Assert.Equal(300, rows.GetInt64(0));
        Assert.Equal(300, rows.GetInt64(1));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static JournalRow Row(long sequence) => new("p", sequence + 1, 1, string.Empty, [1, 2, 3], string.Empty, "w");
}
