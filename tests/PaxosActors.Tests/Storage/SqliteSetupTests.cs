using Akka.Actor;
using Akka.Configuration;

namespace PaxosActors.Tests.Storage;

/// <summary>A journal on SQLite whose file cannot be made stops the start with the file's own error, not reflection's wrapper around it.</summary>
public sealed class SqliteSetupTests
{
    [Fact]
    public void A_journal_file_that_cannot_be_made_fails_the_start_with_its_own_error()
    {
        var config = ConfigurationFactory.ParseString("""
            akka.loglevel = OFF
            akka.persistence.journal.plugin = "akka.persistence.journal.sql"
            akka.persistence.journal.sql { connection-string = "Data Source=/proc/no-such-folder/journal.db", provider-name = "SQLite.MS" }
            paxos-actors.node-id = 1
            """);
        using var system = ActorSystem.Create("sqlite-setup", config);
        var error = Record.Exception(() => PaxosExtension.Get(system));
        Assert.NotNull(error);
        Assert.IsNotType<System.Reflection.TargetInvocationException>(error);
        Assert.Contains("no-such-folder", error.Message, StringComparison.Ordinal);
    }
}
