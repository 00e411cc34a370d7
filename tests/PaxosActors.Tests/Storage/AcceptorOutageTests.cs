using Akka.Actor;
using Akka.Event;
using Microsoft.Data.Sqlite;
using PaxosActors.TestKit;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Storage;

/// <summary>
/// One node's storage is out (another process holds an exclusive lock on its SQLite file)
/// while the other two go on deciding. That node's learner keeps learning from them, far past
/// its memory window, while its acceptor fails every write and restarts from a journal that
/// stops where the outage began. When storage is back the acceptor must be brought up to date
/// (the instances it missed are no longer in the learner's memory: only the peers have them),
/// and the group on that node must go on: never a halt that needs an operator.
/// </summary>
public sealed class AcceptorOutageTests(ITestOutputHelper output)
{
    private const int Missed = 60;
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_acceptor_that_restarts_behind_the_learners_memory_window_catches_up_from_its_peers()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            StateMachines = (_, _) => [new RecordingStateMachine()],
            // Node 1 logs its journal errors: the test waits for one.
            NodeConfig = node => node == 1 ? "akka.loglevel = ERROR" : string.Empty,
            ExtraConfig = """
                akka.loglevel = OFF
                akka.remote.log-remote-lifecycle-events = off
                paxos-actors {
                  propose-timeout = 30s
                  learn-interval = 1s
                  catch-up-batch = 10
                  log-memory-window = 10
                  acceptor { restart-min-backoff = 100ms, restart-max-backoff = 500ms }
                  sqlite-journal.busy-timeout = 1s
                }
                """,
        });
        using var counters = CounterProbe.For(cluster, "paxos.acceptor_catch_up.from_peers");
        Assert.IsType<ProposeResult>(await cluster.ProposeAsync(1, "before", Ceiling));
        await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 1);

        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.System(1).ActorOf(Props.Create(() => new ErrorWatch("could not write", failed)));
        using (LockDatabase(cluster, 1))
        {
            for (var i = 0; i < Missed; i++)
            {
                Assert.IsType<ProposeResult>(await cluster.ProposeAsync(2, $"v{i}", Ceiling));
            }

            // Node 1's learner has all of them (six memory windows); its acceptor none, and it
            // has failed a write (a write waits out the lock for busy-timeout, then fails).
            await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 1 + Missed);
            await failed.Task.WaitAsync(Ceiling);
        }

        // With node 3 cut off, nothing is chosen without node 1's acceptor.
        cluster.Isolate(3);
        var after = await cluster.ProposeAsync(1, "after", Ceiling);
        output.WriteLine(string.Join(", ", counters.Snapshot().Select(c => $"{c.Key}={c.Value}")));
        Assert.IsType<ProposeResult>(after);
        cluster.Heal();

        var statuses = await cluster.AwaitConvergenceAsync(Ceiling, atLeast: 2 + Missed);
        Assert.All(statuses, s => Assert.False(s.Halted, s.HaltReason));
        var expected = cluster.StateMachine<RecordingStateMachine>(2).Log;
        Assert.Equal(2 + Missed, expected.Count);
        Assert.Equal(expected, cluster.StateMachine<RecordingStateMachine>(1).Log);

        // The instances node 1's acceptor got from its peers are in its own journal: cut off
        // from everyone, it replays all of them after a restart.
        await cluster.CrashAsync(1);
        cluster.Isolate(1);
        await cluster.RestartAsync(1);
        Assert.Equal(expected, cluster.StateMachine<RecordingStateMachine>(1).Log);
        Assert.True(counters.Snapshot()["paxos.acceptor_catch_up.from_peers"] > 0, "no acceptor was caught up from its peers: was node 1's storage out at all?");
    }

    /// <summary>Holds an exclusive lock on the node's SQLite file until disposed: its writes fail.</summary>
    private static Lock LockDatabase(PaxosTestCluster cluster, int node)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(cluster.DataDirectory, $"node{node}.db")}");
        connection.Open();
        Execute(connection, "BEGIN EXCLUSIVE");
        return new Lock(connection);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Completes a task when its system logs an error that contains a text.</summary>
    private sealed class ErrorWatch : ReceiveActor
    {
        public ErrorWatch(string text, TaskCompletionSource seen)
        {
            Receive<Error>(e =>
            {
                if (e.ToString().Contains(text, StringComparison.Ordinal))
                {
                    seen.TrySetResult();
                }
            });
        }

        protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(Error));
    }

    private sealed class Lock(SqliteConnection connection) : IDisposable
    {
        public void Dispose()
        {
            Execute(connection, "ROLLBACK");
            connection.Dispose();
        }
    }
}
