using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using PaxosActors.Cli.Node;
using PaxosActors.Kv;

namespace PaxosActors.Cli.Kv;

/// <summary>
/// `paxos kv --config FILE get|put|append|delete KEY [VALUE]`: one command to a group's KV state
/// machine from a client process, over Akka.Remote (and TLS when the file turns it on). The file
/// names the nodes (<c>paxos-actors.nodes</c>); they are tried in id order until one answers.
/// </summary>
internal static class KvCommand
{
    public static async Task<int> RunAsync(string file, string group, string operation, string key, string? value, bool json, TimeSpan timeout, TextWriter output, TextWriter error)
    {
        IKvCommand? command = (operation, value) switch
        {
            ("get", null) => new KvGet(key),
            ("delete", null) => new KvDelete(key),
            ("put", not null) => new KvPut(key, value),
            ("append", not null) => new KvAppend(key, value),
            _ => null,
        };
        if (command is null)
        {
            error.WriteLine($"kv {operation}: use get KEY, delete KEY, put KEY VALUE or append KEY VALUE.");
            return 3;
        }

        Config config;
        IReadOnlyDictionary<Core.NodeId, Address> nodes;
        try
        {
            config = NodeCommand.Load(file).WithFallback(ConfigurationFactory.ParseString("akka.loglevel = ERROR, akka.actor.provider = remote, akka.remote.dot-netty.tcp.port = 0")).WithFallback(KvStateMachine.Config).WithFallback(PaxosExtension.DefaultConfig);
            nodes = PaxosSettings.ParseNodes(config.GetConfig(PaxosSettings.Section));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ConfigurationException)
        {
            error.WriteLine($"{file}: {e.Message}");
            return 3;
        }

        if (nodes.Count == 0)
        {
            error.WriteLine($"{file}: names no nodes under {PaxosSettings.Section}.nodes.");
            return 3;
        }

        ActorSystem system;
        try
        {
            system = PaxosActorSystem.Create("paxos-client", config);
        }
        catch (ConfigurationException e)
        {
            error.WriteLine($"{file}: {e.Message}");
            return 3;
        }

        using (system)
        {
            foreach (var (id, address) in nodes.OrderBy(n => n.Key.Value))
            {
                var groupActor = system.ActorSelection($"{address}/user/paxos/group-{group}");
                object reply;
                try
                {
                    reply = await groupActor.Ask<object>(new Propose(command), timeout);
                }
                catch (AskTimeoutException)
                {
                    error.WriteLine($"node {id.Value} ({address}) did not answer within {timeout.TotalSeconds:0.#} s");
                    continue;
                }

                switch (reply)
                {
                    case ProposeResult { Result: KvResult r } result:
                        output.WriteLine(json
                            ? JsonSerializer.Serialize(new { ok = r.Ok, value = r.Value, instance = result.InstanceId, node = id.Value })
                            : r.Value ?? (r.Ok ? "ok" : "(none)"));
                        return r.Ok || command is KvGet ? 0 : 1;
                    case ProposeFailed f:
                        error.WriteLine($"node {id.Value}: {f.Reason}: {f.Message}{(f.OutcomeUnknown ? " (it may have run)" : string.Empty)}");
                        return 1;
                    default:
                        error.WriteLine($"node {id.Value}: unexpected reply {reply}");
                        return 1;
                }
            }

            error.WriteLine("no node answered");
            return 2;
        }
    }
}
