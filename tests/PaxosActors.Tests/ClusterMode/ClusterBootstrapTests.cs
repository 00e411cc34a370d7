using Akka.Actor;
using Akka.Configuration;
using PaxosActors.Cluster;

namespace PaxosActors.Tests.ClusterMode;

/// <summary>
/// Paxos in Akka.Cluster mode over real Akka.Remote and SQLite: the first N Up members with the
/// role bootstrap every group, racing claims end with one cluster id, restarts keep it, a member
/// that comes Up later takes it from a peer and (auto-add) joins the groups.
/// </summary>
public sealed class ClusterBootstrapTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public async Task The_first_members_race_to_bootstrap_and_all_end_with_one_cluster_id(int n)
    {
        await using var nodes = new ClusterNodes(n, $"paxos-actors.cluster.bootstrap-members = {n}");

        // Every node claims with a cluster id of its own as soon as it sees n Up members.
        var groups = await nodes.StartAllAsync(Enumerable.Range(1, n));
        var records = await Task.WhenAll(nodes.Systems.Values.Select(s => PaxosExtension.Get(s).Bootstrapped!));
        Assert.Single(records.Select(r => r.ClusterId).Distinct());
        Assert.All(records, r => Assert.Equal(Enumerable.Range(1, n), r.Members.Select(m => m.NodeId)));
        Assert.All(records, r => Assert.True(r.SameMembers(records[0])));

        foreach (var (group, i) in groups.Select((g, i) => (g, i)))
        {
            Assert.IsType<ProposeResult>(await group.Ask<object>(new Propose($"from {i + 1}"), Wait));
        }

        var membership = await groups[0].Ask<GroupMembership>(GetMembership.Instance, Wait);
        Assert.Equal(Enumerable.Range(1, n), membership.Members.Select(m => m.NodeId));
    }

    [Fact]
    public async Task A_restarted_member_keeps_the_bootstrap_and_a_later_one_takes_it_from_a_peer_and_joins()
    {
        await using var nodes = new ClusterNodes(4, "paxos-actors.cluster.auto-add = on\npaxos-actors.membership.check-interval = 100ms");
        var groups = await nodes.StartAllAsync([1, 2, 3]);
        var record = await PaxosExtension.Get(nodes.Systems[1]).Bootstrapped!;
        Assert.IsType<ProposeResult>(await groups[0].Ask<object>(new Propose("before"), Wait));

        // Node 4 comes Up after the bootstrap: it is not a first member, takes the record from a
        // peer, and auto-add makes it a voting member of kv. A garbled answer from a peer first
        // is logged and ignored.
        PaxosExtension.Get(nodes.Start(4));
        var ignored = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        nodes.Systems[4].EventStream.Subscribe(nodes.Systems[4].ActorOf(Props.Create(() => new WarningCatcher(ignored, "no valid record"))), typeof(Akka.Event.Warning));
        IActorRef? bootstrap = null;
        await Eventually(async () => (bootstrap = (await nodes.Systems[4].ActorSelection("/user/paxos/cluster").Ask<ActorIdentity>(new Identify(null), Wait)).Subject) is not null);
        bootstrap!.Tell(new BootstrapAnswer([1, 2, 3]), nodes.Systems[1].DeadLetters);
        Assert.Contains("ignored", await ignored.Task.WaitAsync(Wait), StringComparison.Ordinal);
        var fourth = await nodes.StartGroupAsync(4);
        Assert.Equal(record, await PaxosExtension.Get(nodes.Systems[4]).Bootstrapped!);
        await Eventually(async () => (await groups[0].Ask<GroupMembership>(GetMembership.Instance, Wait)).Members.Any(m => m.NodeId == 4 && m.Voting));

        // Node 4 proposes once it has learned its own vote.
        await Eventually(async () => (await fourth.Ask<GroupMembership>(GetMembership.Instance, Wait)).Members.Any(m => m.NodeId == 4 && m.Voting));
        var proposed = await fourth.Ask<object>(new Propose("from 4"), Wait);
        Assert.True(proposed is ProposeResult, $"{proposed}");
        await Eventually(() => Task.FromResult(nodes.Machines[4].Log.Any(e => e.Command == "before")));

        // Node 2 restarts from its journal: same record, without asking anyone.
        await nodes.StopAsync(2);
        nodes.Start(2);
        var again = await nodes.StartGroupAsync(2);
        Assert.Equal(record, await PaxosExtension.Get(nodes.Systems[2]).Bootstrapped!);
        var after = await again.Ask<object>(new Propose("after restart"), Wait);
        Assert.True(after is ProposeResult, $"{after}");
    }

    [Fact]
    public async Task A_member_that_comes_back_at_a_new_address_keeps_its_id_and_its_vote()
    {
        await using var nodes = new ClusterNodes(3, "paxos-actors.cluster.auto-add = on\npaxos-actors.cluster.auto-remove = on");
        var groups = await nodes.StartAllAsync([1, 2, 3]);
        Assert.IsType<ProposeResult>(await groups[0].Ask<object>(new Propose("before"), Wait));

        // Node 2 leaves and comes back on another port with its journal: the same node id at a new
        // address. auto-add records the address; auto-remove keeps the group at 3 voters.
        await nodes.StopAsync(2);
        nodes.Move(2);
        nodes.Start(2);
        var moved = await nodes.StartGroupAsync(2);
        var address = nodes.Address(2).ToString();
        await Eventually(async () => (await groups[0].Ask<GroupMembership>(GetMembership.Instance, Wait)).Members.Any(m => m.NodeId == 2 && m.Address == address && m.Voting));
        var members = await groups[0].Ask<GroupMembership>(GetMembership.Instance, Wait);
        Assert.Equal([1, 2, 3], members.Members.Select(m => m.NodeId));

        ProposeReply? reply = null;
        await Eventually(async () => (reply = await moved.Ask<ProposeReply>(new Propose("from the new address"), Wait)) is ProposeResult);
        await Eventually(() => Task.FromResult(nodes.Machines[1].Log.Any(e => e.Command == "from the new address")));
    }

    [Fact]
    public async Task Only_members_with_the_role_run_paxos_and_bootstrap()
    {
        await using var nodes = new ClusterNodes(4);

        // The seed, and so the oldest member, lacks the role: the first three with it bootstrap.
        nodes.Start(1, roles: "[web]");
        await nodes.StartAllAsync([2, 3, 4]);
        var record = await PaxosExtension.Get(nodes.Systems[2]).Bootstrapped!;
        Assert.Equal([2, 3, 4], record.Members.Select(m => m.NodeId));
        Assert.Null(PaxosExtension.Get(nodes.Systems[1]).Bootstrapped);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => PaxosExtension.Get(nodes.Systems[1]).StartGroupAsync("kv", new RecordingStateMachine()));
        Assert.Contains("lacks the role 'paxos'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("actor.provider = cluster\npaxos-actors.groups.kv.members = [1]", "must be left out with cluster.enabled = on")]
    [InlineData("actor.provider = cluster\npaxos-actors.nodes.1 = \"akka.tcp://paxos@127.0.0.1:1\"", "the addresses come from Akka.Cluster")]
    [InlineData("actor.provider = cluster\npaxos-actors.groups.paxos-bootstrap {}", "bootstrap's own group")]
    [InlineData("actor.provider = cluster\npaxos-actors.cluster.bootstrap-members = 0", "bootstrap-members")]
    public void Cluster_mode_settings_that_cannot_work_are_refused_with_the_key(string hocon, string message)
    {
        var config = ConfigurationFactory.ParseString("paxos-actors { node-id = 1, cluster.enabled = on, groups { kv {} } }\n" + hocon.Replace("actor.provider = cluster\n", string.Empty, StringComparison.Ordinal))
            .WithFallback(PaxosExtension.DefaultConfig);
        var e = Assert.Throws<ConfigurationException>(() => PaxosSettings.Create(config));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_mode_without_the_cluster_provider_is_a_configuration_error()
    {
        using var system = ActorSystem.Create("plain", ConfigurationFactory.ParseString("akka.actor.provider = local\npaxos-actors { node-id = 1, cluster.enabled = on, groups { kv {} } }"));
        var e = Assert.ThrowsAny<Exception>(() => PaxosExtension.Get(system));
        Assert.Contains("akka.actor.provider = cluster", (e.InnerException ?? e).Message, StringComparison.Ordinal);
        await system.Terminate();
    }

    [Fact]
    public void A_bootstrap_record_round_trips_and_a_bad_one_is_refused()
    {
        var record = new BootstrapRecord("c1", [new BootstrapMember(1, "akka.tcp://paxos@127.0.0.1:9001"), new BootstrapMember(2, "akka.tcp://paxos@127.0.0.1:9002")]);
        Assert.Equal(record.ToString(), BootstrapRecord.Decode(record.Encode()).ToString());
        Assert.True(BootstrapRecord.Decode(record.Encode()).SameMembers(record));
        Assert.Throws<PaxosActors.Core.PaxosFormatException>(() => BootstrapRecord.Decode("{"u8.ToArray()));
        Assert.Throws<PaxosActors.Core.PaxosFormatException>(() => BootstrapRecord.Decode((record with { Members = [.. record.Members, record.Members[0]] }).Encode()));
        Assert.Throws<PaxosActors.Core.PaxosFormatException>(() => BootstrapRecord.Decode((record with { ClusterId = string.Empty }).Encode()));
        Assert.Throws<PaxosActors.Core.PaxosFormatException>(() => BootstrapRecord.Decode((record with { Members = [new BootstrapMember(1, "not an address")] }).Encode()));
    }

    /// <summary>Completes with the first warning that contains a text.</summary>
    private sealed class WarningCatcher : ReceiveActor
    {
        public WarningCatcher(TaskCompletionSource<string> caught, string text) =>
            Receive<Akka.Event.Warning>(w => w.Message?.ToString()?.Contains(text, StringComparison.Ordinal) == true, w => caught.TrySetResult(w.Message!.ToString()!));
    }

    private static Task Eventually(Func<Task<bool>> condition) =>
        PaxosActors.Tests.Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(30), () => "the condition to hold within 30 s");
}
