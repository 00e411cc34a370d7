// A fresh project that uses PaxosActors only through its packages: one node with SQLite, the KV
// store, a write and a linearizable read. scripts/check-packages.sh builds and runs it.
using PaxosActors;
using PaxosActors.Hosting;
using PaxosActors.Kv;

var data = Path.Combine(Path.GetTempPath(), $"paxos-package-smoke-{Guid.NewGuid():N}");
Directory.CreateDirectory(data);
var config = LocalNodeConfig.Create(1, LocalNodeConfig.FreePorts(1), Path.Combine(data, "node1.db"), ["kv"], "akka.loglevel = WARNING")
    .WithFallback(KvStateMachine.Config);
var system = PaxosActorSystem.Create(LocalNodeConfig.SystemName, config);
try
{
    var paxos = PaxosExtension.Get(system);
    await paxos.StartGroupAsync("kv", new KvStateMachine());
    var put = await paxos.ProposeAsync("kv", new KvPut("greeting", "hello"), TimeSpan.FromSeconds(30));
    var read = await paxos.ReadAsync("kv", new KvGet("greeting"), TimeSpan.FromSeconds(30));
    Console.WriteLine($"put: {put}");
    Console.WriteLine($"read: {read}");
    return read is ProposeResult { Result: KvResult { Value: "hello" } } ? 0 : 1;
}
finally
{
    await system.Terminate();
    Directory.Delete(data, recursive: true);
}
