using Akka.Actor;
using PaxosActors.Hosting;
using PaxosActors.TestKit;

namespace PaxosActors.Tests.Members;

/// <summary>
/// Membership changes on real nodes (Akka.Remote, SQLite journals): a node added to a running
/// group learns the log as a learner, gets its vote, and counts in quorums; a removed or replaced
/// node stops counting; everything survives restarts; and bad requests get typed answers.
/// </summary>
public sealed class MembershipClusterTests
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_added_node_catches_up_then_votes_and_a_removed_node_stops_counting()
    {
        await using var cluster = await StartAsync(nodes: 4, members: [1, 2, 3], later: [4]);
        var paxos = PaxosExtension.Get(cluster.System(1));
        for (var i = 0; i < 20; i++)
        {
            Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1 + (i % 3), $"before-{i}", Ceiling));
        }

        await cluster.RestartAsync(4);
        var changed = new List<MembershipChanged>();
        cluster.System(4).EventStream.Subscribe(Listener(cluster.System(4), changed), typeof(MembershipChanged));
        Assert.IsType<ProposeFailed>(await cluster.ProposeAsync(4, "from-a-stranger", Ceiling));

        var added = Assert.IsType<MemberChangeSucceeded>(await paxos.AddMemberAsync("test", 4, cluster.Address(4).ToString()));
        Assert.Equal(2, added.Membership.Version);
        Assert.Equal([1, 2, 3, 4], added.Membership.Members.Where(m => m.Voting).Select(m => m.NodeId));
        await AwaitMembershipAsync(cluster, version: 2);
        await AwaitAsync(() => { lock (changed) { return changed.Count >= 2; } }, "node 4 published both changes");

        // Node 4 votes: with 1 and 2 down, {3, 4} are not a majority of four, but with only 1
        // down {2, 3, 4} are.
        await cluster.CrashAsync(1);
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(4, "node-4-proposes", Ceiling));

        var removed = Assert.IsType<MemberChangeSucceeded>(await PaxosExtension.Get(cluster.System(2)).RemoveMemberAsync("test", 1));
        Assert.Equal([2, 3, 4], removed.Membership.Members.Select(m => m.NodeId));

        // Three voters now: {2, 4} are a majority without 1 and 3.
        await cluster.CrashAsync(3);
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(2, "two-of-three", Ceiling));
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(4, "two-of-three-again", Ceiling));

        await cluster.RestartAsync(3);
        await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 26);
        var logs = cluster.Running.Select(n => cluster.StateMachine<RecordingStateMachine>(n).Log.Select(e => e.Command).ToList()).ToList();
        Assert.All(logs, log => Assert.Equal(logs[0], log));
        Assert.Equal(23, logs[0].Count);
    }

    [Fact]
    public async Task A_replaced_member_hands_its_vote_to_the_new_node_and_restarts_keep_the_membership()
    {
        await using var cluster = await StartAsync(nodes: 4, members: [1, 2, 3]);
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "first", Ceiling));
        var paxos = PaxosExtension.Get(cluster.System(2));
        var replaced = Assert.IsType<MemberChangeSucceeded>(await paxos.ChangeMemberAsync("test", 3, 4, cluster.Address(4).ToString()));
        Assert.Equal([1, 2, 4], replaced.Membership.Members.Select(m => m.NodeId));
        Assert.All(replaced.Membership.Members, m => Assert.True(m.Voting));

        // Node 3 is out: a proposal at it is refused, and the group runs without it.
        await AwaitMembershipAsync(cluster, version: 2);
        var refused = Assert.IsType<ProposeFailed>(await cluster.ProposeAsync(3, "from-the-old-member", Ceiling));
        Assert.Equal(ProposeFailureReason.NotMember, refused.Reason);
        await cluster.CrashAsync(3);
        await cluster.CrashAsync(1);
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(4, "two-of-three", Ceiling));

        // Every node restarts from its journal: the membership comes back from the log.
        await cluster.CrashAsync(2);
        await cluster.CrashAsync(4);
        foreach (var node in new[] { 1, 2, 4 })
        {
            await cluster.RestartAsync(node);
        }

        await AwaitMembershipAsync(cluster, version: 2);
        await cluster.CrashAsync(1);
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(2, "after-restart", Ceiling));
    }

    [Fact]
    public async Task Bad_changes_get_typed_answers_and_change_nothing()
    {
        await using var cluster = await StartAsync(nodes: 4, members: [1, 2, 3], later: [4], extra: "paxos-actors.membership.catch-up-timeout = 2s");
        var paxos = PaxosExtension.Get(cluster.System(1));

        var stale = Assert.IsType<MemberChangeFailed>(await paxos.AddMemberAsync("test", 4, cluster.Address(4).ToString(), expectedVersion: 7));
        Assert.Equal(MemberChangeFailureReason.VersionMismatch, stale.Reason);

        var badAddress = Assert.IsType<MemberChangeFailed>(await paxos.AddMemberAsync("test", 4, "not an address"));
        Assert.Equal(MemberChangeFailureReason.Rejected, badAddress.Reason);

        var unknown = Assert.IsType<MemberChangeFailed>(await paxos.RemoveMemberAsync("test", 9));
        Assert.Equal(MemberChangeFailureReason.Rejected, unknown.Reason);

        var self = Assert.IsType<MemberChangeFailed>(await paxos.ChangeMemberAsync("test", 2, 2, cluster.Address(2).ToString()));
        Assert.Equal(MemberChangeFailureReason.Rejected, self.Reason);

        var noGroup = Assert.IsType<MemberChangeFailed>(await paxos.RemoveMemberAsync("nope", 2));
        Assert.Equal(MemberChangeFailureReason.NotMember, noGroup.Reason);

        var reserved = Assert.IsType<ProposeFailed>(await cluster.Group(1).Ask<object>(new Propose("raw", Core.StoredCommand.SystemMachine), Ceiling));
        Assert.Equal(ProposeFailureReason.UnknownStateMachine, reserved.Reason);
        Assert.Equal(0, (await paxos.GetMembershipAsync("test"))!.Version);

        // Node 4 is not running: it joins as a learner, never catches up, and keeps no vote.
        var behind = Assert.IsType<MemberChangeFailed>(await paxos.AddMemberAsync("test", 4, cluster.Address(4).ToString()));
        Assert.Equal(MemberChangeFailureReason.LearnerBehind, behind.Reason);
        var membership = await AwaitMembershipAsync(cluster, version: 1);
        Assert.False(membership.Members.Single(m => m.NodeId == 4).Voting);

        // Once it runs, the same request finishes the job: the join is already done, the vote follows.
        await cluster.RestartAsync(4);
        var added = Assert.IsType<MemberChangeSucceeded>(await paxos.AddMemberAsync("test", 4, cluster.Address(4).ToString(), expectedVersion: 1));
        Assert.Equal(2, added.Membership.Version);

        // A change sent to a node without a vote is refused there.
        var removed = Assert.IsType<MemberChangeSucceeded>(await paxos.RemoveMemberAsync("test", 4));
        Assert.Equal(3, removed.Membership.Version);
        await AwaitMembershipAsync(cluster, version: 3);
        var notMember = Assert.IsType<MemberChangeFailed>(await PaxosExtension.Get(cluster.System(4)).RemoveMemberAsync("test", 1));
        Assert.Equal(MemberChangeFailureReason.NotMember, notMember.Reason);
        Assert.Equal(3, (await paxos.GetMembershipAsync("test"))!.Version);
    }

    [Fact]
    public async Task A_member_whose_address_changed_keeps_its_id_and_vote_once_the_log_records_the_new_address()
    {
        var moved = false;
        var newPort = LocalNodeConfig.FreePorts(1)[1];
        var newAddress = $"akka.tcp://{LocalNodeConfig.SystemName}@127.0.0.1:{newPort}";
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (_, _) => [new RecordingStateMachine()],
            NodeConfig = node => node == 3 && moved ? $"akka.remote.dot-netty.tcp.port = {newPort}\npaxos-actors.nodes.3 = \"{newAddress}\"" : string.Empty,
            ExtraConfig = "paxos-actors.proposer { prepare-timeout = 300ms, accept-timeout = 300ms }\npaxos-actors.learn-interval = 300ms\nakka.loglevel = ERROR",
        });
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "before-the-move", Ceiling));

        // Node 3 comes back on another port. Its peers know it by the old address and drop what
        // it sends until the log says otherwise: it is not locked out, only unrecognised.
        await cluster.CrashAsync(3);
        moved = true;
        await cluster.RestartAsync(3);
        var recorded = Assert.IsType<MemberChangeSucceeded>(await PaxosExtension.Get(cluster.System(1)).AddMemberAsync("test", 3, newAddress));
        Assert.Equal(newAddress, recorded.Membership.Members.Single(m => m.NodeId == 3).Address);
        Assert.True(recorded.Membership.Members.Single(m => m.NodeId == 3).Voting);

        // It votes at its new address: with node 1 down, {2, 3} are a majority.
        await AwaitMembershipAsync(cluster, version: 1);
        await cluster.CrashAsync(1);
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(3, "after-the-move", Ceiling));

        // Node 1 restarts with its configuration's old address for 3; the log's address wins.
        await cluster.RestartAsync(1);
        await cluster.CrashAsync(2);
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "old-config-new-address", Ceiling));
    }

    private static async Task<PaxosTestCluster> StartAsync(int nodes, int[] members, int[]? later = null, string extra = "") =>
        await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = nodes,
            Members = members,
            StartLater = later ?? [],
            StateMachines = (_, _) => [new RecordingStateMachine()],
            ExtraConfig = "paxos-actors.proposer { prepare-timeout = 300ms, accept-timeout = 300ms }\npaxos-actors.learn-interval = 300ms\nakka.loglevel = ERROR\n" + extra,
        });

    /// <summary>Every running node has applied membership <paramref name="version"/>; node 1's (or the first running node's) view of it.</summary>
    private static async Task<GroupMembership> AwaitMembershipAsync(PaxosTestCluster cluster, long version)
    {
        GroupMembership[] views = [];
        await AwaitAsync(
            async () =>
            {
                views = await Task.WhenAll(cluster.Running.Select(n => cluster.Group(n).Ask<GroupMembership>(GetMembership.Instance, Ceiling)));
                return views.All(v => v.Version == version);
            },
            () => $"membership version {version} everywhere; have {string.Join("; ", views.Select(v => v.ToString()))}");
        Assert.All(views, v => Assert.Equal(views[0].Members, v.Members));
        return views[0];
    }

    private static Task AwaitAsync(Func<bool> done, string what) => AwaitAsync(() => Task.FromResult(done()), () => what);

    private static Task AwaitAsync(Func<Task<bool>> done, Func<string> what) => Eventually.HoldsAsync(done, Ceiling, what);

    private static IActorRef Listener(ActorSystem system, List<MembershipChanged> seen) =>
        system.ActorOf(Props.Create(() => new Collector(seen)));

    private sealed class Collector : ReceiveActor
    {
        public Collector(List<MembershipChanged> seen) => Receive<MembershipChanged>(e =>
        {
            lock (seen)
            {
                seen.Add(e);
            }
        });
    }
}
