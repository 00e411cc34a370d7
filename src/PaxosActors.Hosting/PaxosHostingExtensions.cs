using Akka.Configuration;
using Akka.Event;
using Akka.Hosting;

namespace PaxosActors.Hosting;

/// <summary>PaxosActors on Akka.Hosting: <c>services.AddAkka("paxos", (builder, sp) =&gt; builder.WithPaxos(o =&gt; ...))</c>.</summary>
public static class PaxosHostingExtensions
{
    /// <summary>
    /// Configures this node's PaxosActors (the same settings as <c>paxos-actors</c> in HOCON, and
    /// PaxosActors' transport under Akka.Remote, with TLS when the options turn it on) and starts
    /// every group of <see cref="PaxosOptions.Groups"/> when the ActorSystem starts. Use the groups
    /// through <see cref="PaxosExtension.Get"/> as usual.
    /// </summary>
    public static AkkaConfigurationBuilder WithPaxos(this AkkaConfigurationBuilder builder, Action<PaxosOptions> configure, IServiceProvider? services = null)
    {
        var options = new PaxosOptions();
        configure(options);
        var paxos = ConfigurationFactory.ParseString(options.ToHocon());
        var (config, setup) = PaxosActorSystem.Parts(paxos);
        builder.AddHocon(config, HoconAddMode.Prepend);
        if (setup is not null)
        {
            builder.AddSetup(setup);
        }

        builder.AddStartup(async (system, registry) =>
        {
            var extension = PaxosExtension.Get(system);
            var start = StartGroupsAsync(extension, options, services ?? EmptyServices.Instance);
            if (options.Cluster.Enabled)
            {
                // The groups start once the cluster's first members are Up: do not hold up the
                // host (it may be one of them), and log what goes wrong.
                _ = start.ContinueWith(t => system.Log.Error(t.Exception, "PaxosActors: the groups did not start"), TaskContinuationOptions.OnlyOnFaulted);
                return;
            }

            await start;
        });
        return builder;
    }

    private static async Task StartGroupsAsync(PaxosExtension extension, PaxosOptions options, IServiceProvider services)
    {
        if (extension.Settings.Cluster.Enabled && extension.Bootstrapped is null)
        {
            return;
        }

        foreach (var (name, group) in options.Groups)
        {
            await extension.StartGroupAsync(name, group.StateMachines(services)).ConfigureAwait(false);
        }
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
