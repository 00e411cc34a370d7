using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace PaxosActors.Persistence.Sqlite;

/// <summary>
/// Prepares a SQLite journal file before Akka.Persistence.Sql opens it: creates its folder and
/// switches it to WAL once (the mode sticks to the file). synchronous stays FULL, SQLite's
/// default, because NORMAL can lose the last commits on power loss. <see cref="PaxosExtension"/>
/// calls it when the acceptors' journal is on SQLite; PaxosActors' own journal
/// (<see cref="SqliteJournal"/>) needs nothing of it.
/// </summary>
public static class SqliteJournalSetup
{
    /// <summary>Prepares the file of the journal plugin <paramref name="journalPluginId"/> (empty: the default journal), if it is Akka.Persistence.Sql on SQLite.</summary>
    public static void Prepare(Config config, string journalPluginId)
    {
        var plugin = string.IsNullOrEmpty(journalPluginId) ? config.GetString("akka.persistence.journal.plugin", string.Empty) : journalPluginId;
        if (string.IsNullOrEmpty(plugin) || !config.GetString($"{plugin}.provider-name", string.Empty).StartsWith("SQLite", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var connectionString = config.GetString($"{plugin}.connection-string", string.Empty);
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.Mode == SqliteOpenMode.Memory || builder.DataSource.StartsWith("file:", StringComparison.Ordinal) || builder.DataSource is "" or ":memory:")
        {
            return;
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }
}
