using PaxosActors.TestKit;

namespace PaxosActors.Tests.TestKit;

/// <summary>
/// One proposer per group: nodes hand their callers' commands to the leader (the node whose
/// proposer decided the latest instance) and answer the callers themselves; a duplicated
/// hand-over runs once; a leader cut off is passed over and what it held is proposed again,
/// still running once.
/// </summary>
public sealed class ForwardingTests
{
    [Fact]
    public async Task Proposals_at_every_node_go_through_the_leader_and_each_caller_gets_its_own_result()
    {
        await using var cluster = await StartAsync();
        using var counters = CounterProbe.For(cluster, "paxos.proposer.forwarded");
        await MakeNode1LeaderAsync(cluster);

        var replies = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => cluster.ProposeAsync(1 + (i % 3), 1L, TimeSpan.FromSeconds(20))));

        var results = replies.Select(r => (long)Assert.IsType<ProposeResult>(r).Result!).Order().ToList();
        Assert.Equal(Enumerable.Range(2, 60).Select(i => (long)i), results);
        Assert.True(counters.Snapshot()["paxos.proposer.forwarded"] > 0, "nothing was forwarded");
        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(20));
        Assert.All(cluster.Nodes, n => Assert.Equal(61, cluster.StateMachine<Counter>(n).Value));
    }

    [Fact]
    public async Task A_hand_over_the_network_delivers_twice_runs_once()
    {
        await using var cluster = await StartAsync();
        await MakeNode1LeaderAsync(cluster);
        cluster.SetLink(2, 1, new LinkRule(DuplicateProbability: 1.0));

        var replies = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => cluster.ProposeAsync(2, 1L, TimeSpan.FromSeconds(20))));

        Assert.All(replies, r => Assert.IsType<ProposeResult>(r));
        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(20));
        Assert.All(cluster.Nodes, n => Assert.Equal(21, cluster.StateMachine<Counter>(n).Value));
    }

    [Fact]
    public async Task A_leader_cut_off_is_passed_over_and_the_commands_it_held_run_here()
    {
        await using var cluster = await StartAsync();
        await MakeNode1LeaderAsync(cluster);
        cluster.Isolate(1);

        // Handed to node 1, which never answers: after leader-timeout node 2 takes the command
        // back and proposes it itself, with node 3.
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(2, 1L, TimeSpan.FromSeconds(20)));
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(2, 10L, TimeSpan.FromSeconds(20)));
        cluster.Heal();
        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(20), atLeast: 3);
        Assert.All(cluster.Nodes, n => Assert.Equal(12, cluster.StateMachine<Counter>(n).Value));
    }

    [Fact]
    public async Task A_command_taken_back_from_a_slow_leader_runs_once_when_the_leader_proposes_it_too()
    {
        await using var cluster = await StartAsync("paxos-actors.leader-timeout = 500ms");
        using var counters = CounterProbe.For(cluster, "paxos.learner.duplicate_skipped");
        await MakeNode1LeaderAsync(cluster);

        // Node 2's hand-over reaches node 1 only after node 2 gave up on it and had it chosen
        // itself; node 1 then proposes it too, and the learners skip the second copy.
        cluster.SetLink(2, 1, new LinkRule(MinDelay: TimeSpan.FromSeconds(2), MaxDelay: TimeSpan.FromSeconds(2)));
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(2, 1L, TimeSpan.FromSeconds(20)));
        cluster.Heal();
        await counters.WaitAsync(c => c["paxos.learner.duplicate_skipped"] >= 3, TimeSpan.FromSeconds(20));
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, 100L, TimeSpan.FromSeconds(20)));

        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(20), atLeast: 3);
        Assert.All(cluster.Nodes, n => Assert.Equal(102, cluster.StateMachine<Counter>(n).Value));
    }

    [Fact]
    public async Task A_leader_with_no_room_refuses_hand_overs_and_did_not_run_stays_true_with_every_hand_over_delivered_twice()
    {
        // Node 1 holds at most 2 handed-over commands (its own limit of 1 per other member);
        // node 2 hands it 30 at once, and every hand-over arrives twice. Node 1 refuses what it
        // has no room for; node 2 says "did not run" only once a floor in the log settles it.
        // (The race where a refused second copy's first copy runs is the simulator's to find:
        // DeliberateBugTests, RefusalIsFinal.)
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (_, _) => [new RecordingStateMachine()],
            ExtraConfig = "paxos-actors { leader-timeout = 3s, propose-timeout = 10s, batching.max-count = 1 }",
            NodeConfig = node => node == 1 ? "paxos-actors.max-pending-proposals = 1" : string.Empty,
        });
        using var counters = CounterProbe.For(cluster, "paxos.proposer.forward_refused");
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "lead", TimeSpan.FromSeconds(20)));
        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(20), atLeast: 1);
        cluster.SetLink(2, 1, new LinkRule(DuplicateProbability: 1.0));

        var replies = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => cluster.ProposeAsync(2, $"c{i}", TimeSpan.FromSeconds(20))));

        cluster.Heal();
        Assert.True(counters.Snapshot()["paxos.proposer.forward_refused"] > 0, "node 1 refused nothing");
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "end", TimeSpan.FromSeconds(20)));
        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(30));
        var log = cluster.StateMachine<RecordingStateMachine>(1).Log.Select(e => e.Command).ToList();
        Assert.Equal(log.Count, log.Distinct().Count());
        for (var i = 0; i < replies.Length; i++)
        {
            switch (replies[i])
            {
                case ProposeResult:
                    Assert.Contains($"c{i}", log);
                    break;
                case ProposeFailed { OutcomeUnknown: false } f:
                    Assert.True(!log.Contains($"c{i}"), $"c{i} was answered {f.Reason} 'did not run' and ran");
                    break;
            }
        }
    }

    private static Task<PaxosTestCluster> StartAsync(string extra = "") => PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
    {
        Nodes = 3,
        StateMachines = (_, _) => [new Counter()],
        ExtraConfig = "paxos-actors { leader-timeout = 3s, propose-timeout = 30s, learn-interval = 500ms }\n" + extra,
    });

    /// <summary>Node 1 decides an instance and every node has learned it: node 1 leads.</summary>
    private static async Task MakeNode1LeaderAsync(PaxosTestCluster cluster)
    {
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, 1L, TimeSpan.FromSeconds(20)));
        await cluster.AwaitConvergenceAsync(TimeSpan.FromSeconds(20), atLeast: 1);
    }

    private sealed class Counter : IStateMachine
    {
        public long Value { get; private set; }

        public int Id => 1;

        public object? Execute(long instance, object command) => Value += (long)command;
    }
}
