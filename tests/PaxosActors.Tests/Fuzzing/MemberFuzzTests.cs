using Akka.Actor;
using PaxosActors.Core;
using PaxosActors.Hosting;
using PaxosActors.Messages;
using PaxosActors.TestKit;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Fuzzing;

/// <summary>
/// Fuzzing that reaches the roles: envelopes from a real member (node 2, over Akka.Remote from
/// node 2's own system), for the real group and cluster, with random and mutated Paxos payloads,
/// sent into node 1 while clients propose on every node. A confused member may cost throughput,
/// never safety: afterwards every node ran the same log, every command a client was told ran is
/// in it exactly once, and every node still serves proposals.
/// </summary>
public sealed class MemberFuzzTests(ITestOutputHelper output)
{
    private const string Group = "test";

    [Fact]
    public async Task A_member_sending_random_protocol_messages_breaks_no_invariant_and_wedges_nothing()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (_, _) => [new RecordingStateMachine()],
            ExtraConfig = "akka.loglevel = ERROR\npaxos-actors.propose-timeout = 5s",
        });
        using var counters = CounterProbe.For(cluster, "paxos.acceptor.prepare.promised", "paxos.acceptor.prepare.rejected", "paxos.acceptor.accept.accepted", "paxos.acceptor.accept.rejected", "paxos.dropped.stale", "paxos.dropped.malformed");
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "before", TimeSpan.FromSeconds(20)));

        // Node 2's system speaks for node 2: its envelopes carry its own address.
        var member = cluster.System(2);
        var sender = member.ActorOf(Props.Empty, "fuzzer");
        var target = member.ActorSelection($"akka.tcp://{LocalNodeConfig.SystemName}@127.0.0.1:{cluster.Port(1)}/user/paxos/group-{Group}");
        var from = new NodeId(2);
        var random = new Random(11);

        var clients = Enumerable.Range(0, 60).Select(i => cluster.ProposeAsync(1 + (i % 3), $"c{i}", TimeSpan.FromSeconds(30))).ToList();
        var live = new GroupStatus(Group, 1, 0, 0, false, null);
        for (var i = 0; i < 3000; i++)
        {
            if (i % 50 == 0)
            {
                live = await cluster.Group(1).Ask<GroupStatus>(GetGroupStatus.Instance, TimeSpan.FromSeconds(10));
            }

            target.Tell(new PaxosEnvelope(Group, Fuzz(random, from, live)) { ClusterId = "paxos" }, sender);
        }

        var replies = await Task.WhenAll(clients);

        // The fuzz is still in flight: wait (a ceiling, not a pause) until a good part of it has
        // reached node 1's acceptor.
        await counters.WaitAsync(c => c["paxos.acceptor.prepare.promised"] + c["paxos.acceptor.prepare.rejected"] + c["paxos.acceptor.accept.accepted"] + c["paxos.acceptor.accept.rejected"] >= 50, TimeSpan.FromSeconds(60));
        output.WriteLine(string.Join(", ", counters.Snapshot().Select(c => $"{c.Key}={c.Value}")));

        foreach (var node in cluster.Nodes)
        {
            Assert.IsType<ProposeResult>(await ProposeUntilRunAsync(cluster, node, $"after{node}"));
        }

        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(60));
        var logs = cluster.Nodes.Select(n => cluster.StateMachine<RecordingStateMachine>(n).Log.Select(e => e.Command).ToList()).ToList();
        Assert.All(logs, log => Assert.Equal(logs[0], log));
        Assert.Equal(logs[0].Count, logs[0].Distinct().Count());
        for (var i = 0; i < replies.Length; i++)
        {
            switch (replies[i])
            {
                case ProposeResult:
                    Assert.Contains($"c{i}", logs[0]);
                    break;
                case ProposeFailed { OutcomeUnknown: false }:
                    Assert.DoesNotContain($"c{i}", logs[0]);
                    break;
            }
        }
    }

    /// <summary>A Paxos message a confused member might send: any kind, instances near the live one, any ballot it could own.</summary>
    private static PaxosMessage Fuzz(Random random, NodeId from, GroupStatus live)
    {
        var near = live.Executed;
        var instance = Math.Max(0, near + random.Next(-1, 2));
        var ballot = new Ballot(random.Next(1, 4) == 1 ? random.NextInt64(1, long.MaxValue / 4) : random.Next(1, 50), from);
        var value = new byte[random.Next(0, 64)];
        random.NextBytes(value);
        return random.Next(8) switch
        {
            7 => new Accept(near, from, ballot, value, live.LastChecksum),
            0 => new Prepare(instance, from, ballot),
            1 => new Accept(instance, from, ballot, value, (ulong)random.NextInt64()),
            2 => new PrepareReply(instance, from, ballot, random.Next(2) == 0, ballot, ballot, random.Next(2) == 0 ? value : null),
            3 => new AcceptReply(instance, from, ballot, random.Next(2) == 0, ballot),
            4 => new AskForLearn(random.NextInt64(-5, near + 5), from),
            5 => new LearnOffer(random.NextInt64(-5, near + 100), from),
            _ => new Prepare(random.NextInt64(-10, long.MaxValue), from, ballot with { ProposalId = random.NextInt64(-10, long.MaxValue) }),
        };
    }

    /// <summary>A client that retries a failed command under a new name, a few times.</summary>
    private static async Task<object> ProposeUntilRunAsync(PaxosTestCluster cluster, int node, string command)
    {
        object reply = new ProposeFailed(ProposeFailureReason.Timeout, "not tried");
        for (var attempt = 0; attempt < 5 && reply is not ProposeResult; attempt++)
        {
            reply = await cluster.ProposeAsync(node, $"{command}-{attempt}", TimeSpan.FromSeconds(20));
        }

        return reply;
    }
}
