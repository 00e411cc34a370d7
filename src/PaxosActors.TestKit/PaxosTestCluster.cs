using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Configuration;
using PaxosActors.Hosting;
using PaxosActors.Security;

namespace PaxosActors.TestKit;

/// <summary>
/// N nodes of real PaxosActors inside one test process: each an ActorSystem on 127.0.0.1 over
/// Akka.Remote with its own SQLite file, running the production code path with the user's state
/// machines. The test controls the network (<see cref="Partition"/>, <see cref="Isolate"/>,
/// <see cref="Heal"/>, <see cref="SetLink"/>) and the nodes (<see cref="CrashAsync"/>,
/// <see cref="RestartAsync"/> with storage kept), and waits for <see cref="AwaitConvergenceAsync"/>.
/// </summary>
public sealed class PaxosTestCluster : IAsyncDisposable
{
    private readonly PaxosTestClusterOptions _options;
    private readonly IReadOnlyDictionary<int, int> _ports;
    private readonly bool _ownsData;
    private readonly ConcurrentDictionary<int, RunningNode> _running = new();

    private PaxosTestCluster(PaxosTestClusterOptions options)
    {
        _options = options;
        _ports = LocalNodeConfig.FreePorts(options.Nodes);
        _ownsData = options.DataDirectory is null;
        DataDirectory = options.DataDirectory ?? Path.Combine(Path.GetTempPath(), "paxos-testkit", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        Faults = new LinkFaults(options.Seed);
        if (options.Tls)
        {
            Certificates = DevCertificates.Create();
            TlsFolder = Path.Combine(DataDirectory, "tls");
            DevCertificates.Write(Certificates.Authority, TlsFolder, "ca");
            var clusterId = ConfigurationFactory.ParseString(options.ExtraConfig).GetString("paxos-actors.cluster-id", "paxos");
            foreach (var node in Nodes)
            {
                var identity = options.CertificateIdentity is { } named ? named(node) : PeerIdentity.ForNode(clusterId, new Core.NodeId(node));
                DevCertificates.Write(Certificates.Issue($"CN=node-{node}", identity), TlsFolder, $"node{node}");
            }
        }
    }

    public string DataDirectory { get; }

    /// <summary>With <see cref="PaxosTestClusterOptions.Tls"/>, the CA that signed the nodes' certificates (to issue more, for clients or impostors); else null.</summary>
    public DevCertificates? Certificates { get; }

    /// <summary>With TLS, the folder of <c>ca.pem</c> and each node's <c>node&lt;id&gt;.pem</c> and <c>.key</c>; else null.</summary>
    public string? TlsFolder { get; }

    /// <summary>Whether the nodes speak TLS.</summary>
    public bool Tls => _options.Tls;

    /// <summary>The Akka address of <paramref name="node"/>.</summary>
    public Address Address(int node) => new(_options.Tls ? "akka.ssl.tcp" : "akka.tcp", LocalNodeConfig.SystemName, "127.0.0.1", _ports[node]);

    /// <summary>
    /// The <c>paxos-actors.tls</c> HOCON for a peer of this cluster holding <paramref name="certificate"/>:
    /// the certificate's files are written to <see cref="TlsFolder"/> as <paramref name="name"/>.
    /// </summary>
    public string TlsConfig(string name, X509Certificate2 certificate)
    {
        var folder = TlsFolder ?? throw new InvalidOperationException("The cluster runs without TLS.");
        DevCertificates.Write(certificate, folder, name);
        return TlsHocon(folder, name);
    }

    private static string TlsHocon(string folder, string name)
    {
        string F(string file) => Path.Combine(folder, file).Replace("\\", "/", StringComparison.Ordinal);
        return $$"""
            paxos-actors.tls {
              enabled = on
              certificate = "{{F(name + ".pem")}}"
              private-key = "{{F(name + ".key")}}"
              trust-anchors = "{{F("ca.pem")}}"
            }
            """;
    }

    /// <summary>The faults every node's links go through.</summary>
    public LinkFaults Faults { get; }

    public IReadOnlyList<int> Nodes => [.. _ports.Keys.Order()];

    /// <summary>The nodes running now.</summary>
    public IReadOnlyList<int> Running => [.. _running.Keys.Order()];

    public static async Task<PaxosTestCluster> StartAsync(PaxosTestClusterOptions options)
    {
        var cluster = new PaxosTestCluster(options);
        await Task.WhenAll(cluster.Nodes.Except(options.StartLater).Select(cluster.StartNodeAsync));
        return cluster;
    }

    public ActorSystem System(int node) => Node(node).System;

    /// <summary>The TCP port of <paramref name="node"/> on 127.0.0.1 (it keeps it across restarts).</summary>
    public int Port(int node) => _ports[node];

    /// <summary>The state machine of type <typeparamref name="T"/> the node's group runs in this life of the node.</summary>
    public T StateMachine<T>(int node, string? group = null)
        where T : IStateMachine => StateMachines(node, group).OfType<T>().Single();

    /// <summary>The GroupActor of <paramref name="group"/> on <paramref name="node"/>.</summary>
    public IActorRef Group(int node, string? group = null) => Node(node).Groups[group ?? _options.Groups[0]];

    /// <summary>The state machines the node's group runs in this life of the node.</summary>
    public IStateMachine[] StateMachines(int node, string? group = null) => Node(node).Machines[group ?? _options.Groups[0]];

    /// <summary>Proposes through <paramref name="node"/>; the reply is ProposeResult or ProposeFailed.</summary>
    public async Task<ProposeReply> ProposeAsync(int node, object command, TimeSpan timeout, string? group = null)
    {
        try
        {
            return await Group(node, group).Ask<ProposeReply>(new Propose(command), timeout);
        }
        catch (AskTimeoutException)
        {
            return new ProposeFailed(ProposeFailureReason.Timeout, $"No answer from node {node} within {timeout.TotalSeconds:0.#} s; the command may still run.", OutcomeUnknown: true);
        }
    }

    /// <summary>Cuts every link between the two sets of nodes, both ways.</summary>
    public void Partition(IEnumerable<int> side, IEnumerable<int> other) => Faults.Partition(side, other);

    /// <summary>Cuts <paramref name="node"/> off from every other node.</summary>
    public void Isolate(int node) => Faults.Partition([node], Nodes.Where(n => n != node));

    /// <summary>Restores every link and removes every drop, duplicate and delay rule.</summary>
    public void Heal() => Faults.Heal();

    /// <summary>Drops, duplicates or delays messages from one node to another.</summary>
    public void SetLink(int from, int to, LinkRule rule) => Faults.SetLink(from, to, rule);

    /// <summary>Stops the node's ActorSystem. Its SQLite file stays; what it had not written is lost.</summary>
    public async Task CrashAsync(int node)
    {
        if (_running.TryRemove(node, out var running))
        {
            await running.System.Terminate();
        }
    }

    /// <summary>Starts a crashed node again from its SQLite file, with fresh state machines (or a node held back with <see cref="PaxosTestClusterOptions.StartLater"/> for the first time).</summary>
    public Task RestartAsync(int node) => _running.ContainsKey(node) ? Task.CompletedTask : StartNodeAsync(node);

    /// <summary>
    /// The storage events (<see cref="PaxosStorageEvent"/>: checkpoints saved, journal cuts,
    /// checkpoint fetches) node <paramref name="node"/> published since it last started, in order.
    /// </summary>
    public IReadOnlyList<PaxosStorageEvent> StorageEvents(int node) => Node(node).Events.Events;

    /// <summary>
    /// The first storage event of type <typeparamref name="T"/> that node <paramref name="node"/>
    /// published since it last started and that <paramref name="match"/> accepts, waiting for it
    /// if it has not happened yet; throws TimeoutException after the ceiling.
    /// </summary>
    public async Task<T> AwaitStorageEventAsync<T>(int node, TimeSpan ceiling, Func<T, bool>? match = null)
        where T : PaxosStorageEvent
    {
        var seen = Node(node).Events.FirstAsync(e => e is T t && (match is null || match(t)));
        try
        {
            return (T)await seen.WaitAsync(ceiling);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Node {node} published no matching {typeof(T).Name} within {ceiling}; it published: {string.Join(", ", StorageEvents(node))}");
        }
    }

    /// <summary>
    /// Waits until every running node executed the same instances of the group with the same
    /// checksum, and at least <paramref name="atLeast"/>; throws TimeoutException after the ceiling.
    /// </summary>
    public async Task<IReadOnlyList<GroupStatus>> AwaitConvergenceAsync(TimeSpan ceiling, long atLeast = 0, string? group = null)
    {
        var deadline = DateTime.UtcNow + ceiling;
        while (true)
        {
            var statuses = await Task.WhenAll(Running.Select(n => Group(n, group).Ask<GroupStatus>(GetGroupStatus.Instance, ceiling)));
            if (statuses.All(s => s.Executed >= atLeast && s.Executed == statuses[0].Executed && s.LastChecksum == statuses[0].LastChecksum))
            {
                return statuses;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("No convergence: " + string.Join(", ", statuses.Select(s => $"node {s.NodeId} at {s.Executed}")));
            }

            await Task.Delay(25);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Running.Select(CrashAsync));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_ownsData)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private RunningNode Node(int node) =>
        _running.TryGetValue(node, out var n) ? n : throw new InvalidOperationException($"Node {node} is not running.");

    private async Task StartNodeAsync(int node)
    {
        var config = ConfigurationFactory.ParseString(_options.NodeConfig?.Invoke(node) ?? string.Empty)
            .WithFallback(ConfigurationFactory.ParseString(_options.ExtraConfig))
            .WithFallback(LocalNodeConfig.Create(
                node,
                _ports,
                Path.Combine(DataDirectory, $"node{node}.db"),
                _options.Groups,
                TlsFolder is null ? string.Empty : TlsHocon(TlsFolder, $"node{node}"),
                _options.Followers,
                _options.Tls,
                _options.Members));
        var system = PaxosActorSystem.Create(LocalNodeConfig.SystemName, config);
        LinkFaults.Attach(system, Faults);
        var events = StorageEventLog.Attach(system);
        var paxos = PaxosExtension.Get(system);
        var groups = new Dictionary<string, IActorRef>();
        var machines = new Dictionary<string, IStateMachine[]>();
        foreach (var g in _options.Groups)
        {
            machines[g] = _options.StateMachines(node, g);
            groups[g] = await paxos.StartGroupAsync(g, machines[g]);
        }

        // A status answer waits for recovery, so a started node has replayed its log.
        await Task.WhenAll(groups.Values.Select(g => g.Ask<GroupStatus>(GetGroupStatus.Instance, TimeSpan.FromSeconds(60))));
        _running[node] = new RunningNode(system, groups, machines, events);
    }

    private sealed record RunningNode(ActorSystem System, IReadOnlyDictionary<string, IActorRef> Groups, IReadOnlyDictionary<string, IStateMachine[]> Machines, StorageEventLog Events);
}
