using Akka.Actor;
using Akka.Configuration;

namespace PaxosActors.Cli.Demo;

/// <summary>
/// One demo node: an ActorSystem on 127.0.0.1 with its own SQLite file, configured by
/// hocon/paxos-local-3.conf with the ports the demo found free.
/// </summary>
internal sealed class DemoNode(int id, IReadOnlyDictionary<int, int> ports, string dataDir)
{
    public const string Group = "kv";

    private static readonly Config Cluster = ConfigurationFactory.FromResource<DemoNode>("paxos-local-3.conf");

    public int Id => id;

    public IActorRef GroupRef { get; private set; } = ActorRefs.Nobody;

    public DigestStateMachine Machine { get; private set; } = new();

    private ActorSystem? System { get; set; }

    public async Task StartAsync()
    {
        var file = Path.GetFullPath(Path.Combine(dataDir, $"node{id}.db")).Replace('\\', '/');
        var nodes = string.Join("\n", ports.Select(p => $"{p.Key} = \"akka.tcp://paxos@127.0.0.1:{p.Value}\""));
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = ERROR
            akka.remote.dot-netty.tcp.port = {{ports[id]}}
            akka.remote.retry-gate-closed-for = 1s
            # Stopping a node on purpose is part of the demo: do not log its disassociation as an error.
            akka.remote.log-remote-lifecycle-events = off
            paxos-actors.sqlite-journal.path = "{{file}}"
            paxos-actors.node-id = {{id}}
            paxos-actors.nodes { {{nodes}} }
            """).WithFallback(Cluster);
        System = PaxosActorSystem.Create("paxos", config);
        Machine = new DigestStateMachine();
        GroupRef = await PaxosExtension.Get(System).StartGroupAsync(Group, Machine);
    }

    /// <summary>
    /// Silences the node's log while a peer stops on purpose: its connection to the peer drops
    /// mid-write, which Akka.Remote logs as an error.
    /// </summary>
    public void Quiet() => System?.EventStream.SetLogLevel(Akka.Event.LogLevel.ErrorLevel + 1);

    /// <summary>Errors are logged again.</summary>
    public void Loud() => System?.EventStream.SetLogLevel(Akka.Event.LogLevel.ErrorLevel);

    public async Task StopAsync()
    {
        if (System is not null)
        {
            await System.Terminate();
            System = null;
        }
    }

    public Task<GroupStatus> StatusAsync() => GroupRef.Ask<GroupStatus>(GetGroupStatus.Instance, TimeSpan.FromSeconds(30));

    public Task<object> ProposeAsync(string value) => GroupRef.Ask<object>(new Propose(value), TimeSpan.FromSeconds(30));
}
