using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace PaxosActors.Tests;

/// <summary>The ready-made configs in hocon/ parse and pass settings validation.</summary>
public sealed class HoconFilesTests
{
    private static readonly string Folder = Path.Combine(RepoRoot.Path, "hocon");

    [Theory]
    [InlineData("node1.conf", 1)]
    [InlineData("node2.conf", 2)]
    [InlineData("node3.conf", 3)]
    [InlineData("node4.conf", 4)]
    [InlineData("single-node.conf", 1)]
    public void A_node_config_is_valid(string file, int nodeId)
    {
        var config = Load(file);
        var settings = PaxosSettings.Create(config.WithFallback(PaxosExtension.DefaultConfig));
        Assert.Equal(nodeId, settings.NodeId.Value);
        Assert.Contains("kv", settings.Groups.Keys);
        Assert.Equal(PaxosExtension.SqliteJournalPath, config.GetString("akka.persistence.journal.plugin"));
        Assert.StartsWith("data/", config.GetString("paxos-actors.sqlite-journal.path"));
    }

    [Theory]
    [InlineData("cluster/node1.conf", 1)]
    [InlineData("cluster/node2.conf", 2)]
    [InlineData("cluster/node3.conf", 3)]
    [InlineData("cluster/node4.conf", 4)]
    public void A_cluster_mode_node_config_is_valid_and_names_no_addresses(string file, int nodeId)
    {
        var config = Load(file);
        var settings = PaxosSettings.Create(config.WithFallback(PaxosExtension.DefaultConfig));
        Assert.Equal(nodeId, settings.NodeId.Value);
        Assert.True(settings.Cluster.Enabled);
        Assert.Empty(settings.Nodes);
        Assert.Empty(settings.Groups["kv"].Members);
        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.Equal(9100 + nodeId, config.GetInt("akka.remote.dot-netty.tcp.port"));
    }

    [Fact]
    public void The_postgresql_config_names_the_postgresql_provider()
    {
        Assert.Equal("PostgreSQL.15", Load("postgresql.conf").GetString("akka.persistence.journal.sql.provider-name"));
    }

    [Theory]
    [InlineData("tls/node1.conf", 1)]
    [InlineData("tls/node2.conf", 2)]
    [InlineData("tls/node3.conf", 3)]
    public void A_tls_node_config_speaks_tls_to_every_node_with_the_files_make_dev_certs_writes(string file, int nodeId)
    {
        var config = Load(file);
        var settings = PaxosSettings.Create(config.WithFallback(PaxosExtension.DefaultConfig));
        Assert.Equal(nodeId, settings.NodeId.Value);
        Assert.All(settings.Nodes.Values, a => Assert.Equal("akka.ssl.tcp", a.Protocol));
        Assert.True(config.GetBoolean("paxos-actors.tls.enabled"));
        Assert.Equal($"hocon/tls/node{nodeId}.pem", config.GetString("paxos-actors.tls.certificate"));
        Assert.Equal($"hocon/tls/node{nodeId}.key", config.GetString("paxos-actors.tls.private-key"));
        Assert.Equal("hocon/tls/ca.pem", config.GetString("paxos-actors.tls.trust-anchors"));
    }

    [Fact]
    public void The_client_configs_name_the_same_nodes_as_the_node_configs_over_tcp_and_over_tls()
    {
        var plain = PaxosSettings.ParseNodes(Load("client.conf").GetConfig("paxos-actors"));
        var tls = Load("tls/client.conf");
        Assert.Equal(PaxosSettings.Create(Load("node1.conf").WithFallback(PaxosExtension.DefaultConfig)).Nodes, plain);
        Assert.Equal(PaxosSettings.Create(Load("tls/node1.conf").WithFallback(PaxosExtension.DefaultConfig)).Nodes, PaxosSettings.ParseNodes(tls.GetConfig("paxos-actors")));
        Assert.Equal("hocon/tls/client.pem", tls.GetString("paxos-actors.tls.certificate"));
    }

    private static Config Load(string file)
    {
        // Akka's HOCON include needs a resolver: resolve ours relative to the including file.
        static Func<string, HoconRoot> From(string folder) => name =>
        {
            var path = Path.GetFullPath(Path.Combine(folder, name));
            return Parser.Parse(File.ReadAllText(path), From(Path.GetDirectoryName(path)!));
        };

        var path = Path.Combine(Folder, file);
        return ConfigurationFactory.ParseString(File.ReadAllText(path), From(Path.GetDirectoryName(path)!));
    }
}
