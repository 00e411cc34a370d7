using Akka.Configuration;

namespace PaxosActors.Tests;

public sealed class SettingsTests
{
    private const string Valid = """
        paxos-actors {
          node-id = 2
          nodes { 1 = "akka.tcp://paxos@127.0.0.1:9001", 2 = "akka.tcp://paxos@127.0.0.1:9002", 3 = "akka.tcp://paxos@127.0.0.1:9003" }
          groups {
            kv { members = [1, 2, 3] }
            locks { members = [1, 2] }
          }
        }
        """;

    [Fact]
    public void A_valid_section_parses_with_the_reference_defaults()
    {
        var settings = Create(Valid);
        Assert.Equal(2, settings.NodeId.Value);
        Assert.Equal(3, settings.Nodes.Count);
        Assert.Equal(["kv", "locks"], settings.Groups.Keys.Order());
        Assert.Equal(64 * 1024, settings.MaxValueSize);
        Assert.Equal(TimeSpan.FromMilliseconds(10), settings.Protocol.BackoffMin);
        Assert.Equal(512, settings.BatchMaxCount);
        Assert.Equal((64, TimeSpan.FromMilliseconds(2)), (settings.BatchProposeMaxCount, settings.BatchProposeLinger));
        Assert.True(settings.ForwardToLeader);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.LeaderTimeout);
        Assert.Equal((4096, 16L * 1024 * 1024), (settings.Protocol.FutureQueueLimit, settings.Protocol.FutureQueueBytes));
        Assert.True(settings.LeaseReads);
        Assert.False(Create(Valid + "\npaxos-actors.master.lease-reads = off").LeaseReads);
    }

    [Fact]
    public void Turning_batching_off_means_one_command_per_instance()
    {
        Assert.Equal(1, Create(Valid + "\npaxos-actors.batching.enabled = off").BatchMaxCount);
    }

    [Theory]
    [InlineData("paxos-actors.node-id = 0", "paxos-actors.node-id")]
    [InlineData("paxos-actors.nodes.x = \"akka.tcp://paxos@127.0.0.1:1\"", "paxos-actors.nodes.x")]
    [InlineData("paxos-actors.nodes.4 = \"not an address\"", "paxos-actors.nodes.4")]
    [InlineData("paxos-actors.groups.kv.members = [1, 7]", "paxos-actors.groups.kv.members")]
    [InlineData("paxos-actors.groups.kv.members = []", "paxos-actors.groups.kv.members")]
    [InlineData("paxos-actors.groups { \"bad/name\" { members = [1] } }", "paxos-actors.groups.bad/name")]
    [InlineData("paxos-actors.propose-timeout = 0s", "paxos-actors.propose-timeout")]
    [InlineData("paxos-actors.cluster-id = \"\"", "paxos-actors.cluster-id")]
    [InlineData("paxos-actors.groups.kv.followers { 4 = 1 }", "paxos-actors.groups.kv.followers.4")]
    [InlineData("paxos-actors.groups.kv.followers { 3 = 1 }", "paxos-actors.groups.kv.followers.3")]
    [InlineData("paxos-actors.max-pending-proposals = 0", "paxos-actors.max-pending-proposals")]
    [InlineData("paxos-actors.proposer.prepare-timeout = -1s", "paxos-actors.proposer.prepare-timeout")]
    [InlineData("paxos-actors.acceptor.restart-max-backoff = 1ms", "paxos-actors.acceptor.restart-max-backoff")]
    [InlineData("paxos-actors.max-value-size = 125 KiB", "paxos-actors.max-value-size")]
    [InlineData("paxos-actors.max-value-size = 64 KiB\nakka.remote.dot-netty.tcp.maximum-frame-size = 64 KiB", "paxos-actors.max-value-size")]
    [InlineData("paxos-actors.batching.max-count = 0", "paxos-actors.batching.max-count")]
    [InlineData("paxos-actors.batch-propose.max-count = 0", "paxos-actors.batch-propose.max-count")]
    [InlineData("paxos-actors.batch-propose.linger = 5s", "paxos-actors.batch-propose.linger")]
    [InlineData("paxos-actors.leader-timeout = 0s", "paxos-actors.leader-timeout")]
    [InlineData("paxos-actors.future-queue-bytes = 0", "future-queue-bytes")]
    [InlineData("paxos-actors.checkpoint.every-instances = -1", "paxos-actors.checkpoint.every-instances")]
    [InlineData("paxos-actors.checkpoint.keep = 0", "paxos-actors.checkpoint.keep")]
    [InlineData("paxos-actors.future-queue-bytes = 32 KiB", "paxos-actors.future-queue-bytes")]
    public void A_bad_value_fails_fast_naming_its_key(string bad, string key)
    {
        var e = Assert.Throws<ConfigurationException>(() => Create(Valid + "\n" + bad));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void Checkpoints_go_beside_the_sqlite_journal_unless_a_folder_is_named_and_are_off_without_either()
    {
        Assert.Null(Create(Valid).CheckpointDir);
        Assert.Equal(0, Create(Valid).Protocol.CheckpointEvery);

        var beside = Create(Valid + "\npaxos-actors.sqlite-journal.path = \"/data/n2.db\"");
        Assert.Equal("/data/n2.db.checkpoints", beside.CheckpointDir);
        Assert.Equal((100_000L, 2), (beside.Protocol.CheckpointEvery, beside.CheckpointKeep));

        var named = Create(Valid + "\npaxos-actors.checkpoint { dir = \"/ckpt\", every-instances = 500, keep = 3 }");
        Assert.Equal(("/ckpt", 500L, 3), (named.CheckpointDir, named.Protocol.CheckpointEvery, named.CheckpointKeep));
    }

    private static PaxosSettings Create(string hocon) =>
        PaxosSettings.Create(ConfigurationFactory.ParseString(hocon).WithFallback(PaxosExtension.DefaultConfig));
}
