using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using PaxosActors.Hosting;
using PaxosActors.Kv;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Integration;

/// <summary>
/// Three `paxos node` processes on loopback with their own SQLite files; one is killed with
/// SIGKILL in the middle of the load and started again; every write a client was told
/// succeeded is then read back through the log of each of the three.
/// </summary>
public sealed class MultiProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "paxos-procs-" + Guid.NewGuid().ToString("N"));
    private readonly List<NodeProcess> _processes = [];

    [Fact]
    public async Task Every_acknowledged_write_survives_a_sigkill_of_one_node_on_all_three()
    {
        Directory.CreateDirectory(_dir);
        var ports = LocalNodeConfig.FreePorts(4);
        var nodes = new Dictionary<int, int> { [1] = ports[1], [2] = ports[2], [3] = ports[3] };
        foreach (var id in nodes.Keys)
        {
            var config = LocalNodeConfig.Create(id, nodes, Path.Combine(_dir, $"node{id}.db"), ["kv"],
                "akka.loglevel = WARNING\nakka.remote.log-remote-lifecycle-events = off\npaxos-actors.learn-interval = 500ms");
            File.WriteAllText(Path.Combine(_dir, $"node{id}.conf"), config.Root.ToString());
        }

        var running = new NodeProcess?[4];
        foreach (var id in nodes.Keys)
        {
            running[id] = await NodeProcess.StartAsync(Path.Combine(_dir, $"node{id}.conf"), _dir);
            _processes.Add(running[id]!);
        }

        using var client = ActorSystem.Create("client", ConfigurationFactory.ParseString($$"""
            akka.loglevel = ERROR
            akka.actor.provider = remote
            akka.remote.log-remote-lifecycle-events = off
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{ports[4]}} }
            """).WithFallback(KvStateMachine.Config).WithFallback(PaxosExtension.DefaultConfig));
        ICanTell Group(int id) => client.ActorSelection($"akka.tcp://paxos@127.0.0.1:{nodes[id]}/user/paxos/group-kv");

        var acknowledged = new ConcurrentDictionary<string, string>();
        var progress = new WriteCount();
        var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var key = $"w{w}-{n}";
                try
                {
                    var reply = await Group(1 + (n % 2)).Ask<object>(new Propose(new KvPut(key, key)), TimeSpan.FromSeconds(5));
                    if (reply is ProposeResult)
                    {
                        acknowledged[key] = key;
                        progress.Add();
                    }
                }
                catch (AskTimeoutException)
                {
                }
            }
        })).ToList();

        // Each phase lasts until the writers got another 100 writes acknowledged (a count, with a
        // ceiling), not a fixed time: kill node 3 mid-stream, write on without it, restart it.
        await progress.WaitAsync(100, TimeSpan.FromSeconds(60));
        running[3]!.Kill();
        var atKill = acknowledged.Count;
        await progress.WaitAsync(atKill + 100, TimeSpan.FromSeconds(60));
        running[3] = await NodeProcess.StartAsync(Path.Combine(_dir, "node3.conf"), _dir);
        _processes.Add(running[3]!);
        await progress.WaitAsync(acknowledged.Count + 100, TimeSpan.FromSeconds(60));
        stop.Cancel();
        await Task.WhenAll(writers);
        output.WriteLine($"{acknowledged.Count} writes acknowledged ({atKill} before the kill)");
        Assert.True(acknowledged.Count > 200, $"only {acknowledged.Count} writes acknowledged");

        foreach (var id in nodes.Keys)
        {
            var missing = 0;
            foreach (var chunk in acknowledged.Keys.Chunk(500))
            {
                var reads = await Task.WhenAll(chunk.Select(k => Group(id).Ask<object>(new Propose(new KvGet(k)), TimeSpan.FromSeconds(30))));
                missing += reads.Zip(chunk).Count(r => r.Item1 is not ProposeResult { Result: KvResult { Value: var v } } || v != r.Item2);
            }

            Assert.True(missing == 0, $"node {id} lacks {missing} of {acknowledged.Count} acknowledged writes");
        }

        await client.Terminate();
    }

    public void Dispose()
    {
        _processes.ForEach(p => p.Dispose());
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Acknowledged writes so far; a wait completes on the write that reaches its count.</summary>
    private sealed class WriteCount
    {
        private readonly List<(int Count, TaskCompletionSource Reached)> _waiting = [];
        private int _count;

        public void Add()
        {
            lock (_waiting)
            {
                _count++;
                foreach (var w in _waiting.Where(w => _count >= w.Count).ToList())
                {
                    _waiting.Remove(w);
                    w.Reached.TrySetResult();
                }
            }
        }

        public Task WaitAsync(int count, TimeSpan ceiling)
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_waiting)
            {
                if (_count >= count)
                {
                    return Task.CompletedTask;
                }

                _waiting.Add((count, reached));
            }

            return reached.Task.WaitAsync(ceiling);
        }
    }
}
