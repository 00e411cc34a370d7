using Akka.Actor;
using PaxosActors.Hosting;

namespace PaxosActors.Cli.Demo;

/// <summary>One demo node: an ActorSystem on 127.0.0.1 with its own SQLite file.</summary>
internal sealed class DemoNode(int id, IReadOnlyDictionary<int, int> ports, string dataDir)
{
    public const string Group = "demo";

    public int Id => id;

    public ActorSystem? System { get; private set; }

    public IActorRef GroupRef { get; private set; } = ActorRefs.Nobody;

    public DigestStateMachine Machine { get; private set; } = new();

    public async Task StartAsync()
    {
        var config = LocalNodeConfig.Create(id, ports, Path.Combine(dataDir, $"node{id}.db"), [Group], "akka.loglevel = ERROR");
        System = ActorSystem.Create(LocalNodeConfig.SystemName, config);
        Machine = new DigestStateMachine();
        GroupRef = await PaxosExtension.Get(System).StartGroupAsync(Group, Machine);
    }

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
