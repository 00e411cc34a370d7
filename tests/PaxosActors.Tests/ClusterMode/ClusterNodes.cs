using Akka.Actor;
using Akka.Configuration;
using PaxosActors.Hosting;

namespace PaxosActors.Tests.ClusterMode;

/// <summary>Nodes of one Akka.Cluster on 127.0.0.1, each with its own SQLite file, in Paxos's cluster mode.</summary>
internal sealed class ClusterNodes : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"paxos-cluster-{Guid.NewGuid():N}");
    private readonly Dictionary<int, int> _ports;
    private readonly string _extra;

    public ClusterNodes(int count, string extra = "")
    {
        Directory.CreateDirectory(_dir);
        _ports = LocalNodeConfig.FreePorts(count).ToDictionary();
        _extra = extra;
    }

    public Dictionary<int, ActorSystem> Systems { get; } = [];

    public Dictionary<int, RecordingStateMachine> Machines { get; } = [];

    public Address Address(int node) => new("akka.tcp", LocalNodeConfig.SystemName, "127.0.0.1", _ports[node]);

    /// <summary>Gives node <paramref name="id"/> a new port for its next start: it comes back at a new address.</summary>
    public void Move(int id) => _ports[id] = LocalNodeConfig.FreePorts(1)[1];

    /// <summary>Starts node <paramref name="id"/> (node 1's address is the seed) with the roles given.</summary>
    public ActorSystem Start(int id, string roles = "[paxos]", string extra = "")
    {
        var file = Path.Combine(_dir, $"node{id}.db").Replace('\\', '/');
        var config = ConfigurationFactory.ParseString($$"""
            akka {
              loglevel = WARNING
              actor.provider = cluster
              remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{_ports[id]}} }
              remote.retry-gate-closed-for = 1s
              remote.log-remote-lifecycle-events = off
              cluster {
                seed-nodes = ["{{Address(1)}}"]
                roles = {{roles}}
                # Tests stop nodes: down them soon, so the others see them removed.
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                split-brain-resolver { active-strategy = keep-majority, stable-after = 3s }
                failure-detector.acceptable-heartbeat-pause = 2s
              }
              persistence {
                journal.plugin = "paxos-actors.sqlite-journal"
                snapshot-store.plugin = "akka.persistence.no-snapshot-store"
              }
            }
            paxos-actors {
              node-id = {{id}}
              sqlite-journal.path = "{{file}}"
              propose-timeout = 5s
              cluster { enabled = on, role = paxos, bootstrap-members = 3 }
              groups { kv {} }
            }
            {{_extra}}
            {{extra}}
            """);
        var system = PaxosActorSystem.Create(LocalNodeConfig.SystemName, config);
        Systems[id] = system;
        return system;
    }

    /// <summary>Starts the nodes at once, then group kv on each (it waits for the bootstrap): their GroupActors, in order.</summary>
    public Task<IActorRef[]> StartAllAsync(IEnumerable<int> ids)
    {
        var started = ids.ToList();
        started.ForEach(id => Start(id));
        return Task.WhenAll(started.Select(StartGroupAsync));
    }

    /// <summary>Starts group kv on <paramref name="id"/> (it waits for the bootstrap).</summary>
    public async Task<IActorRef> StartGroupAsync(int id)
    {
        var machine = new RecordingStateMachine();
        Machines[id] = machine;
        return await PaxosExtension.Get(Systems[id]).StartGroupAsync("kv", machine).WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async Task StopAsync(int id)
    {
        if (Systems.Remove(id, out var system))
        {
            await system.Terminate();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Systems.Values.Select(s => s.Terminate()));
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
