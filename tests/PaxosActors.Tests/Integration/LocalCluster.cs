using Akka.Actor;
using PaxosActors.Hosting;

namespace PaxosActors.Tests.Integration;

/// <summary>N ActorSystems on 127.0.0.1 over Akka.Remote, each with its own SQLite file.</summary>
public sealed class LocalCluster : IAsyncDisposable
{
    public const string Group = "test";
    private readonly IReadOnlyDictionary<int, int> _ports;
    private readonly string _extra;

    public LocalCluster(int nodes, string extra = "")
    {
        _ports = LocalNodeConfig.FreePorts(nodes);
        _extra = extra;
        DataDir = Path.Combine(Path.GetTempPath(), "paxos-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDir);
    }

    public string DataDir { get; }

    public Dictionary<int, ActorSystem> Systems { get; } = [];

    public Dictionary<int, RecordingStateMachine> Machines { get; } = [];

    public Dictionary<int, IActorRef> Groups { get; } = [];

    public IEnumerable<int> Ids => _ports.Keys.Order();

    public int Port(int id) => _ports[id];

    public async Task StartAllAsync()
    {
        await Task.WhenAll(Ids.Select(StartAsync));
    }

    public async Task StartAsync(int id)
    {
        var config = LocalNodeConfig.Create(id, _ports, Path.Combine(DataDir, $"node{id}.db"), [Group],
            "paxos-actors.proposer { prepare-timeout = 300ms, accept-timeout = 300ms }\npaxos-actors.learn-interval = 1s\n" + _extra);
        var system = ActorSystem.Create(LocalNodeConfig.SystemName, config);
        var machine = new RecordingStateMachine();
        Systems[id] = system;
        Machines[id] = machine;
        Groups[id] = await PaxosExtension.Get(system).StartGroupAsync(Group, machine);
    }

    public async Task StopAsync(int id)
    {
        if (Systems.Remove(id, out var system))
        {
            await system.Terminate();
            Groups.Remove(id);
        }
    }

    public Task<GroupStatus> StatusAsync(int id) => Groups[id].Ask<GroupStatus>(GetGroupStatus.Instance, TimeSpan.FromSeconds(10));

    /// <summary>Waits (with a ceiling) until every running node executed the same number of instances, at least <paramref name="atLeast"/>.</summary>
    public async Task<IReadOnlyList<GroupStatus>> ConvergeAsync(long atLeast, TimeSpan ceiling)
    {
        var deadline = DateTime.UtcNow + ceiling;
        while (true)
        {
            var statuses = await Task.WhenAll(Groups.Keys.Select(StatusAsync));
            if (statuses.All(s => s.Executed >= atLeast && s.Executed == statuses[0].Executed && s.LastChecksum == statuses[0].LastChecksum))
            {
                return statuses;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("No convergence: " + string.Join(", ", statuses.Select(s => $"n{s.NodeId}@{s.Executed}")));
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in Systems.Keys.ToList())
        {
            await StopAsync(id);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
