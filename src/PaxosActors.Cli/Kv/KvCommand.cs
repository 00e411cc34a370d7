using System.Text.Json;
using Akka.Actor;
using PaxosActors.Cli.Client;
using PaxosActors.Kv;

namespace PaxosActors.Cli.Kv;

/// <summary>
/// `paxos kv get|put|append|delete|cas KEY [VALUE] [EXPECTED]`: one command to a group's KV state
/// machine from a client process, over Akka.Remote (and TLS when the client's file turns it on).
/// It asks the node given with --node, or else tries the nodes the file names
/// (<c>paxos-actors.nodes</c>) in id order until one answers. A get is a <see cref="Read"/>:
/// linearizable, and nothing is written (the master answers from its lease, others after a read
/// barrier's round).
/// </summary>
internal static class KvCommand
{
    /// <summary>The command for an operation and its arguments, or null after printing the usage.</summary>
    public static IKvCommand? Command(string operation, string key, string? value, string? expected, TextWriter error)
    {
        IKvCommand? command = (operation, value, expected) switch
        {
            ("get", null, null) => new KvGet(key),
            ("delete", null, null) => new KvDelete(key),
            ("put", not null, null) => new KvPut(key, value),
            ("append", not null, null) => new KvAppend(key, value),
            ("cas", not null, not null) => new KvCas(key, expected == "-" ? null : expected, value),
            _ => null,
        };
        if (command is null)
        {
            error.WriteLine($"kv {operation}: use get KEY, delete KEY, put KEY VALUE, append KEY VALUE or cas KEY VALUE EXPECTED (EXPECTED '-': the key is absent).");
        }

        return command;
    }

    public static async Task<int> RunAsync(string? file, string? node, string group, IKvCommand command, bool json, TimeSpan timeout, TextWriter output, TextWriter error)
    {
        Address? only = null;
        if (node is not null && (only = RemoteClient.ParseNode(node, error)) is null)
        {
            return 3;
        }

        using var client = RemoteClient.Open(file, error);
        if (client is null)
        {
            return 3;
        }

        IReadOnlyDictionary<Core.NodeId, Address> nodes;
        try
        {
            nodes = only is not null ? new Dictionary<Core.NodeId, Address> { [Core.NodeId.None] = only } : PaxosSettings.ParseNodes(client.Config.GetConfig(PaxosSettings.Section));
        }
        catch (Exception e) when (e is FormatException or Akka.Configuration.ConfigurationException)
        {
            error.WriteLine($"{file}: {e.Message}");
            return 3;
        }

        if (nodes.Count == 0)
        {
            error.WriteLine($"give --node ADDRESS, or a --config file that names nodes under {PaxosSettings.Section}.nodes.");
            return 3;
        }

        foreach (var (id, address) in nodes.OrderBy(n => n.Key.Value))
        {
            var name = id == Core.NodeId.None ? address.ToString() : $"node {id.Value}";
            object request = command is KvGet ? new Read(command) : new Propose(command);
            switch (await client.AskAsync(address, group, request, timeout, error))
            {
                case null:
                    continue;
                case ProposeResult { Result: KvResult r } result:
                    output.WriteLine(json
                        ? JsonSerializer.Serialize(new { ok = r.Ok, value = r.Value, instance = result.InstanceId, node = id == Core.NodeId.None ? (int?)null : id.Value })
                        : r.Value ?? (r.Ok ? "ok" : "(none)"));
                    return r.Ok || command is KvGet ? 0 : 1;
                case ProposeFailed f:
                    error.WriteLine($"{name}: {f.Reason}: {f.Message}{(f.OutcomeUnknown ? " (it may have run)" : string.Empty)}");
                    return 1;
                case var reply:
                    error.WriteLine($"{name}: unexpected reply {reply}");
                    return 1;
            }
        }

        error.WriteLine("no node answered");
        return 2;
    }
}
