using Akka.Actor;
using Akka.Configuration;
using PaxosActors.Cli.Node;
using PaxosActors.Kv;

namespace PaxosActors.Cli.Client;

/// <summary>
/// An operator's client: an ActorSystem on an ephemeral port, configured from the client's own
/// HOCON file (TLS settings, the nodes it may try) or from defaults, that asks a node's
/// GroupActor over Akka.Remote. Exit codes of the commands that use it: 0 done, 1 refused or
/// failed, 2 no answer, 3 bad input.
/// </summary>
internal sealed class RemoteClient : IDisposable
{
    private static readonly Config Defaults = ConfigurationFactory.ParseString(
        "akka.loglevel = ERROR, akka.actor.provider = remote, akka.remote.dot-netty.tcp.hostname = \"127.0.0.1\", akka.remote.dot-netty.tcp.port = 0, akka.remote.log-remote-lifecycle-events = off");

    private RemoteClient(ActorSystem system, Config config)
    {
        System = system;
        Config = config;
    }

    public ActorSystem System { get; }

    /// <summary>The client's whole configuration, defaults included.</summary>
    public Config Config { get; }

    /// <summary>Loads <paramref name="file"/> (or only the defaults) and starts the client; null after printing why not.</summary>
    public static RemoteClient? Open(string? file, TextWriter error, string overrides = "")
    {
        Config config;
        try
        {
            config = ConfigurationFactory.ParseString(overrides).WithFallback(file is null ? Config.Empty : NodeCommand.Load(file)).WithFallback(Defaults).WithFallback(KvStateMachine.Config).WithFallback(PaxosExtension.DefaultConfig);
            return new RemoteClient(PaxosActorSystem.Create("paxos-client", config), config);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ConfigurationException)
        {
            error.WriteLine($"{file ?? "client configuration"}: {e.Message}");
            return null;
        }
    }

    /// <summary>Parses a node's Akka address as the operator typed it; null after printing why not.</summary>
    public static Address? ParseNode(string node, TextWriter error)
    {
        if (Address.TryParse(node, out var address) && address.Host is not null && address.Port is not null)
        {
            return address;
        }

        error.WriteLine($"--node: '{node}' is not a node's Akka address, such as akka.tcp://paxos@127.0.0.1:9001.");
        return null;
    }

    /// <summary>The GroupActor of <paramref name="group"/> on the node at <paramref name="node"/>.</summary>
    public ActorSelection Group(Address node, string group) => System.ActorSelection($"{node}/system/paxos/group-{group}");

    /// <summary>Asks, and gives null after printing that the node did not answer in time.</summary>
    public async Task<object?> AskAsync(Address node, string group, object message, TimeSpan timeout, TextWriter error)
    {
        try
        {
            return await Group(node, group).Ask<object>(message, timeout);
        }
        catch (AskTimeoutException)
        {
            error.WriteLine($"{node} did not answer for group '{group}' within {timeout.TotalSeconds:0.#} s (is it running, and does it serve the group?)");
            return null;
        }
    }

    public void Dispose() => System.Dispose();
}
