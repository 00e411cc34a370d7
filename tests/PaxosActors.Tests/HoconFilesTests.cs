using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace PaxosActors.Tests;

/// <summary>The ready-made configs in hocon/ parse and pass settings validation.</summary>
public sealed class HoconFilesTests
{
    private static readonly string Folder = Path.Combine(FindRoot(), "hocon");

    [Theory]
    [InlineData("node1.conf", 1)]
    [InlineData("node2.conf", 2)]
    [InlineData("node3.conf", 3)]
    [InlineData("single-node.conf", 1)]
    public void A_node_config_is_valid(string file, int nodeId)
    {
        var config = Load(file);
        var settings = PaxosSettings.Create(config.WithFallback(PaxosExtension.DefaultConfig));
        Assert.Equal(nodeId, settings.NodeId.Value);
        Assert.Contains("kv", settings.Groups.Keys);
        Assert.Equal(PaxosActors.Storage.SqliteJournal.ConfigPath, config.GetString("akka.persistence.journal.plugin"));
        Assert.StartsWith("data/", config.GetString("paxos-actors.sqlite-journal.path"));
    }

    [Fact]
    public void The_postgresql_config_names_the_postgresql_provider()
    {
        Assert.Equal("PostgreSQL.15", Load("postgresql.conf").GetString("akka.persistence.journal.sql.provider-name"));
    }

    private static Config Load(string file)
    {
        // Akka's HOCON include needs a resolver: resolve ours relative to the hocon folder.
        static HoconRoot Include(string name) => Parser.Parse(File.ReadAllText(Path.Combine(Folder, name)), Include);
        return ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(Folder, file)), Include);
    }

    private static string FindRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "PaxosActors.sln")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new DirectoryNotFoundException("PaxosActors.sln not found above " + AppContext.BaseDirectory);
        }

        return dir;
    }
}
