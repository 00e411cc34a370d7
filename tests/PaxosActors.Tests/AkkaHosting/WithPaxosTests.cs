using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PaxosActors.Hosting;
using PaxosActors.Kv;

namespace PaxosActors.Tests.AkkaHosting;

/// <summary>
/// PaxosActors under Akka.Hosting: three hosts, each configured only through WithPaxos (no HOCON
/// file), form a group over Akka.Remote with SQLite journals, elect a master, and serve the KV
/// store; the options reach the settings.
/// </summary>
public sealed class WithPaxosTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public Task Three_hosts_configured_with_WithPaxos_replicate_and_elect_a_master() => WithHostsAsync(Host, async systems =>
        {
            var settings = PaxosExtension.Get(systems[1]).Settings;
            Assert.Equal((2, true), (settings.NodeId.Value, settings.Groups["kv"].Master));
            Assert.Equal(TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(settings.Master.LeaseMs));
            Assert.False(settings.LeaseReads);

            var put = Assert.IsType<ProposeResult>(await PaxosExtension.Get(systems[0]).ProposeAsync("kv", new KvPut("k", "v"), Wait));
            Assert.Equal(new KvResult(true, "v"), put.Result);
            var get = Assert.IsType<ProposeResult>(await PaxosExtension.Get(systems[2]).ProposeAsync("kv", new KvGet("k"), Wait));
            Assert.Equal(new KvResult(true, "v"), get.Result);

            MasterInfo? master = null;
            await Eventually.HoldsAsync(async () => (master = await PaxosExtension.Get(systems[2]).GetMasterAsync("kv"))!.NodeId != 0, Wait, () => "an elected master");
            Assert.InRange(master!.NodeId, 1, 3);
        });

    // The hosts start at once: none waits for the bootstrap, which needs all three Up.
    [Fact]
    public Task Three_hosts_in_Akka_Cluster_mode_bootstrap_the_groups_without_addresses_or_members() => WithHostsAsync(ClusterHost, async systems =>
        {
            var records = await Task.WhenAll(systems.Select(s => PaxosExtension.Get(s).Bootstrapped!)).WaitAsync(Wait);
            Assert.Single(records.Select(r => r.ClusterId).Distinct());
            Assert.True(PaxosExtension.Get(systems[0]).Settings.Cluster.AutoAdd);

            // The group starts just after the bootstrap completes: a put may find it not there yet.
            object? put = null;
            await Eventually.HoldsAsync(async () => (put = await PaxosExtension.Get(systems[2]).ProposeAsync("kv", new KvPut("k", "v"), Wait)) is ProposeResult, Wait, () => $"a put through node 3 (last answer: {put})");
            Assert.Equal(new KvResult(true, "v"), Assert.IsType<ProposeResult>(put).Result);
        });

    /// <summary>Three hosts made by <paramref name="host"/> on free ports with SQLite files in a fresh folder, started together, then <paramref name="body"/> on their ActorSystems.</summary>
    private static async Task WithHostsAsync(Func<int, IReadOnlyDictionary<int, int>, string, IHost> host, Func<IReadOnlyList<ActorSystem>, Task> body)
    {
        var ports = LocalNodeConfig.FreePorts(3);
        var data = Path.Combine(Path.GetTempPath(), "paxos-hosting-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        var hosts = ports.Keys.Select(node => host(node, ports, data)).ToList();
        try
        {
            await Task.WhenAll(hosts.Select(h => h.StartAsync())).WaitAsync(Wait);
            await body([.. hosts.Select(h => h.Services.GetRequiredService<ActorSystem>())]);
        }
        finally
        {
            await Task.WhenAll(hosts.Select(h => h.StopAsync()));
            hosts.ForEach(h => h.Dispose());
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    private static IHost ClusterHost(int node, IReadOnlyDictionary<int, int> ports, string data) =>
        new HostBuilder().ConfigureServices(services => services.AddAkka(LocalNodeConfig.SystemName, (builder, provider) =>
        {
            builder.AddHocon(KvStateMachine.Config, HoconAddMode.Append);
            builder.AddHocon(
                $"akka.actor.provider = cluster\nakka.loglevel = ERROR\nakka.remote.dot-netty.tcp {{ hostname = \"127.0.0.1\", port = {ports[node]} }}\nakka.cluster.seed-nodes = [\"akka.tcp://{LocalNodeConfig.SystemName}@127.0.0.1:{ports[1]}\"]\nakka.cluster.roles = [paxos]",
                HoconAddMode.Prepend);
            builder.WithPaxos(
                paxos =>
                {
                    paxos.NodeId = node;
                    paxos.Cluster.Enabled = true;
                    paxos.Cluster.Role = "paxos";
                    paxos.Cluster.AutoAdd = true;
                    paxos.Groups["kv"] = new PaxosGroupOptions { StateMachines = _ => [new KvStateMachine()] };
                    paxos.SqliteJournalPath = Path.Combine(data, $"node{node}.db");
                },
                provider);
        })).Build();

    private static IHost Host(int node, IReadOnlyDictionary<int, int> ports, string data) =>
        new HostBuilder().ConfigureServices(services => services.AddAkka(LocalNodeConfig.SystemName, (builder, provider) =>
        {
            builder.AddHocon(KvStateMachine.Config, HoconAddMode.Append);
            builder.AddHocon($"akka.actor.provider = remote\nakka.loglevel = ERROR\nakka.remote.dot-netty.tcp {{ hostname = \"127.0.0.1\", port = {ports[node]} }}", HoconAddMode.Prepend);
            builder.WithPaxos(
                paxos =>
                {
                    paxos.NodeId = node;
                    foreach (var (id, port) in ports)
                    {
                        paxos.Nodes[id] = $"akka.tcp://{LocalNodeConfig.SystemName}@127.0.0.1:{port}";
                    }

                    paxos.Groups["kv"] = new PaxosGroupOptions { Members = [.. ports.Keys], Master = true, StateMachines = _ => [new KvStateMachine()] };
                    paxos.SqliteJournalPath = Path.Combine(data, $"node{node}.db");
                    paxos.MasterLease = TimeSpan.FromSeconds(2);
                    paxos.LeaseReads = false;
                },
                provider);
        })).Build();
}
