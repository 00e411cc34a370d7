using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using PaxosActors.Kv;

namespace PaxosActors.Cli.Node;

/// <summary>
/// `paxos node --config FILE`: runs one node as a process from a HOCON file (see hocon/node1.conf),
/// serving every configured group with the replicated KV state machine, until SIGINT or SIGTERM.
/// </summary>
internal static class NodeCommand
{
    public static async Task<int> RunAsync(string file, TextWriter output, TextWriter error, int? metricsPort = null)
    {
        Config config;
        try
        {
            config = Load(file).WithFallback(KvStateMachine.Config);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            error.WriteLine($"{file}: {e.Message}");
            return 3;
        }

        PaxosSettings settings;
        try
        {
            settings = PaxosSettings.Create(config.WithFallback(PaxosExtension.DefaultConfig));
        }
        catch (ConfigurationException e)
        {
            error.WriteLine($"{file}: {e.Message}");
            return 3;
        }

        var self = settings.Nodes.TryGetValue(settings.NodeId, out var address) ? address : null;
        ActorSystem created;
        try
        {
            created = PaxosActorSystem.Create(self?.System ?? "paxos", config);
        }
        catch (ConfigurationException e)
        {
            error.WriteLine($"{file}: {e.Message}");
            return 3;
        }

        using var system = created;
        using var metrics = metricsPort is { } port ? Metrics.MetricsEndpoint.Start(port) : null;
        var paxos = PaxosExtension.Get(system);
        self ??= ((ExtendedActorSystem)system).Provider.DefaultAddress;

        // In cluster mode only members with the role run groups, once the bootstrap is done.
        var runsGroups = !settings.Cluster.Enabled || paxos.Bootstrapped is not null;
        if (settings.Cluster.Enabled)
        {
            output.WriteLine(runsGroups
                ? $"node {settings.NodeId.Value} at {self}: waiting for the first {settings.Cluster.BootstrapMembers} members with role '{settings.Cluster.Role}' (or a peer's bootstrap)"
                : $"node {settings.NodeId.Value} at {self} lacks the role '{settings.Cluster.Role}': it runs no groups");
            output.Flush();
        }

        foreach (var group in runsGroups ? settings.Groups.Keys : [])
        {
            await paxos.StartGroupAsync(group, new KvStateMachine());
            await (await paxos.GroupAsync(group))!.Ask<GroupStatus>(GetGroupStatus.Instance, TimeSpan.FromMinutes(5));
        }

        output.WriteLine($"node {settings.NodeId.Value} ready at {self}; groups: {string.Join(", ", settings.Groups.Keys)}"
            + (metricsPort is { } p ? $"; metrics at http://localhost:{p}/metrics" : string.Empty));
        output.Flush();

        var stop = new TaskCompletionSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
        await Task.WhenAny(stop.Task, system.WhenTerminated);
        output.WriteLine($"node {settings.NodeId.Value} stopping");
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        return 0;
    }

    /// <summary>Parses a HOCON file, resolving <c>include "x.conf"</c> relative to the file that includes it.</summary>
    public static Config Load(string file) =>
        ConfigurationFactory.ParseString(File.ReadAllText(file), Includes(Path.GetDirectoryName(Path.GetFullPath(file))!));

    private static Func<string, HoconRoot> Includes(string folder) => name =>
    {
        var path = Path.GetFullPath(Path.Combine(folder, name));
        return Parser.Parse(File.ReadAllText(path), Includes(Path.GetDirectoryName(path)!));
    };
}
