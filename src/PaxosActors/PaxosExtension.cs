using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence.Sql;
using PaxosActors.Actors;
using PaxosActors.Cluster;
using PaxosActors.Core;

namespace PaxosActors;

/// <summary>
/// The PaxosActors Akka extension: <c>PaxosExtension.Get(system)</c> loads the
/// <c>paxos-actors</c> settings (with the embedded reference.conf as fallback), prepares the
/// SQLite journal, and starts groups under <c>/system/paxos</c> (with <c>/user/paxos</c> as an
/// alias for peers and clients of earlier releases).
/// </summary>
public sealed class PaxosExtension : IExtension
{
    private readonly ExtendedActorSystem _system;
    private readonly IActorRef _guardian;
    private readonly TaskCompletionSource<BootstrapRecord>? _bootstrapped;

    public PaxosExtension(ExtendedActorSystem system)
    {
        _system = system;
        system.Settings.InjectTopLevelFallback(DefaultConfig);
        system.Settings.InjectTopLevelFallback(SqlPersistence.DefaultConfiguration);
        Settings = PaxosSettings.Create(system.Settings.Config);
        PrepareSqlite(system.Settings.Config, Settings.JournalPluginId);
        if (Settings.Cluster.Enabled)
        {
            if (system.Provider is not Akka.Cluster.ClusterActorRefProvider)
            {
                throw new ConfigurationException("paxos-actors.cluster.enabled = on needs akka.actor.provider = cluster.");
            }

            // Only members with the role run Paxos; the others have no bootstrap to wait for.
            var role = Settings.Cluster.Role;
            _bootstrapped = role.Length == 0 || Akka.Cluster.Cluster.Get(system).SelfRoles.Contains(role) ? new(TaskCreationOptions.RunContinuationsAsynchronously) : null;
        }

        var bootstrapped = _bootstrapped;
        _guardian = system.SystemActorOf(Props.Create(() => new PaxosGuardian(Settings, bootstrapped)), PaxosGuardian.Name);
        if (Settings.UserAlias)
        {
            var guardian = _guardian;
            _guardian.Tell(new PaxosUserAlias.Is(system.ActorOf(Props.Create(() => new PaxosUserAlias(guardian)), PaxosGuardian.Name)));
        }

        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeClusterShutdown, "paxos-flush-writes", FlushWritesAsync);
    }

    /// <summary>
    /// A graceful stop (CoordinatedShutdown, which ActorSystem.Terminate runs) writes the chosen
    /// records the acceptors hold for a next write, so a restart replays them instead of
    /// learning them again. A crash loses them, which costs nothing but that relearning.
    /// </summary>
    private async Task<Akka.Done> FlushWritesAsync()
    {
        var ceiling = TimeSpan.FromSeconds(3);
        try
        {
            var groups = await _guardian.Ask<NodeGroups>(GetNodeGroups.Instance, ceiling).ConfigureAwait(false);
            await Task.WhenAll(groups.Groups.Select(async name =>
            {
                if (await GroupAsync(name).ConfigureAwait(false) is { } group)
                {
                    await group.Ask<WritesFlushed>(FlushWrites.Instance, ceiling).ConfigureAwait(false);
                }
            })).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or ActorNotFoundException)
        {
            _system.Log.Warning("PaxosActors could not write every held chosen record before stopping: {0}", e.Message);
        }

        return Akka.Done.Instance;
    }

    /// <summary>
    /// In Akka.Cluster mode (<c>paxos-actors.cluster.enabled</c>), the bootstrap's outcome once
    /// this member has it: the cluster id Paxos chose and the groups' first members. It completes
    /// when the first members are Up (or at once, after a restart); null outside cluster mode and
    /// on members without the role.
    /// </summary>
    public Task<BootstrapRecord>? Bootstrapped => _bootstrapped?.Task;

    /// <summary>
    /// A journal on SQLite (PaxosActors' own, or Akka.Persistence.Sql's SQLite provider) needs the
    /// PaxosActors.Persistence.Sqlite package: say so at start, not at the first write, and let it
    /// prepare Akka.Persistence.Sql's file.
    /// </summary>
    private static void PrepareSqlite(Config config, string journalPluginId)
    {
        var plugin = string.IsNullOrEmpty(journalPluginId) ? config.GetString("akka.persistence.journal.plugin", string.Empty) : journalPluginId;
        if (string.IsNullOrEmpty(plugin)
            || !(plugin == SqliteJournalPath || config.GetString($"{plugin}.provider-name", string.Empty).StartsWith("SQLite", StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        var setup = Type.GetType("PaxosActors.Persistence.Sqlite.SqliteJournalSetup, PaxosActors.Persistence.Sqlite")
            ?? throw new ConfigurationException($"The journal {plugin} is on SQLite: add the PaxosActors.Persistence.Sqlite package to the application.");
        try
        {
            setup.GetMethod("Prepare")!.Invoke(null, [config, plugin]);
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is { } inner)
        {
            // The file's own error (a folder it may not create, a locked file), not reflection's wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
        }
    }

    /// <summary>The config path of PaxosActors' SQLite journal (package PaxosActors.Persistence.Sqlite): set <c>akka.persistence.journal.plugin</c> to it.</summary>
    public const string SqliteJournalPath = "paxos-actors.sqlite-journal";

    /// <summary>The embedded reference.conf.</summary>
    public static Config DefaultConfig { get; } =
        ConfigurationFactory.FromResource<PaxosExtension>("PaxosActors.reference.conf");

    public PaxosSettings Settings { get; }

    public static PaxosExtension Get(ActorSystem system) => system.WithExtension<PaxosExtension, PaxosExtensionProvider>();

    /// <summary>
    /// Starts the configured group <paramref name="name"/> on this node with its state machines
    /// (each with a distinct <see cref="IStateMachine.Id"/>) and returns its GroupActor. Starting
    /// a started group returns the running one.
    /// </summary>
    public async Task<IActorRef> StartGroupAsync(string name, params IStateMachine[] machines)
    {
        if (!Settings.Groups.TryGetValue(name, out var group))
        {
            throw new ArgumentException($"No group '{name}' under {PaxosSettings.Section}.groups.", nameof(name));
        }

        if (machines.Length == 0 || machines.Select(m => m.Id).Distinct().Count() != machines.Length || machines.Any(m => StoredCommand.IsReserved(m.Id)))
        {
            throw new ArgumentException($"A group needs one or more state machines with distinct positive ids (0 and below are the group's own: fences, the membership, the master); got [{string.Join(", ", machines.Select(m => m.Id))}].", nameof(machines));
        }

        if (!Settings.Cluster.Enabled)
        {
            return await _guardian.Ask<IActorRef>(new StartGroup(group, machines), TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }

        if (_bootstrapped is null)
        {
            throw new InvalidOperationException($"This member lacks the role '{Settings.Cluster.Role}' (paxos-actors.cluster.role) and runs no Paxos groups.");
        }

        // The groups begin as the bootstrap decided: its members, its cluster id.
        var record = await _bootstrapped.Task.ConfigureAwait(false);
        var settings = ClusterBootstrapActor.Run(Settings, record, Akka.Cluster.Cluster.Get(_system).SelfAddress, record.ClusterId);
        return await _guardian.Ask<IActorRef>(new StartGroup(group with { Members = record.Ids }, machines, settings), TimeSpan.FromSeconds(30)).ConfigureAwait(false);
    }

    /// <summary>The GroupActor of a started group, or <c>null</c>.</summary>
    public async Task<IActorRef?> GroupAsync(string name)
    {
        try
        {
            return await _system.ActorSelection($"{PaxosGuardian.Path}/{PeerRouter.GroupActorName(name)}")
                .ResolveOne(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (ActorNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads <paramref name="query"/> from group <paramref name="group"/>'s state machine on this
    /// node, linearizably and without writing to the log (see <see cref="Read"/>): a
    /// <see cref="ProposeResult"/> or a <see cref="ProposeFailed"/>.
    /// </summary>
    public Task<ProposeReply> ReadAsync(string group, object query, TimeSpan timeout, int stateMachineId = 1) =>
        AskGroupAsync(group, new Read(query, stateMachineId), timeout, new ProposeFailed(ProposeFailureReason.Timeout, $"The read did not finish within {timeout.TotalSeconds:0.#} s; nothing was written."));

    /// <summary>
    /// Proposes <paramref name="command"/> to a group of this node: the reply is a
    /// <see cref="ProposeResult"/> or a <see cref="ProposeFailed"/> (UnknownGroup when no such
    /// group runs here). A <paramref name="timeout"/> that runs out first is a
    /// <c>ProposeFailed(Timeout)</c> with <see cref="ProposeFailed.OutcomeUnknown"/> set: the
    /// command may still be chosen and run.
    /// </summary>
    public Task<ProposeReply> ProposeAsync(string group, object command, TimeSpan timeout, int stateMachineId = 1) =>
        AskGroupAsync(group, new Propose(command, stateMachineId), timeout, new ProposeFailed(ProposeFailureReason.Timeout, $"No answer within {timeout.TotalSeconds:0.#} s; the command may still run.", OutcomeUnknown: true));

    /// <summary>Asks a group of this node; UnknownGroup when none runs here, <paramref name="late"/> when the timeout runs out first.</summary>
    private async Task<ProposeReply> AskGroupAsync(string group, object message, TimeSpan timeout, ProposeFailed late)
    {
        var actor = await GroupAsync(group).ConfigureAwait(false);
        if (actor is null)
        {
            return new ProposeFailed(ProposeFailureReason.UnknownGroup, $"No group '{group}' runs on this node.");
        }

        try
        {
            return await actor.Ask<ProposeReply>(message, timeout).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            return late;
        }
    }

    /// <summary>
    /// Adds node <paramref name="nodeId"/> at <paramref name="address"/> to a group through this
    /// node, which must vote in it: the node joins as a learner and gets its vote once it has
    /// caught up (see <see cref="AddMember"/>).
    /// </summary>
    public Task<MemberChangeReply> AddMemberAsync(string group, int nodeId, string address, long? expectedVersion = null, TimeSpan? timeout = null) =>
        ChangeMembersAsync(group, new AddMember(nodeId, address, expectedVersion), timeout);

    /// <summary>Removes node <paramref name="nodeId"/> from a group through this node (see <see cref="RemoveMember"/>).</summary>
    public Task<MemberChangeReply> RemoveMemberAsync(string group, int nodeId, long? expectedVersion = null, TimeSpan? timeout = null) =>
        ChangeMembersAsync(group, new RemoveMember(nodeId, expectedVersion), timeout);

    /// <summary>Replaces voting member <paramref name="oldNodeId"/> with a new node (see <see cref="ChangeMember"/>).</summary>
    public Task<MemberChangeReply> ChangeMemberAsync(string group, int oldNodeId, int newNodeId, string newAddress, long? expectedVersion = null, TimeSpan? timeout = null) =>
        ChangeMembersAsync(group, new ChangeMember(oldNodeId, newNodeId, newAddress, expectedVersion), timeout);

    /// <summary>A group's membership as this node has applied it, or null when the group does not run here.</summary>
    public async Task<GroupMembership?> GetMembershipAsync(string group, TimeSpan? timeout = null)
    {
        var actor = await GroupAsync(group).ConfigureAwait(false);
        return actor is null ? null : await actor.Ask<GroupMembership>(GetMembership.Instance, timeout ?? TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    /// <summary>The group's master as this node sees it (node 0: none), or null when the group does not run here.</summary>
    public Task<MasterInfo?> GetMasterAsync(string group, TimeSpan? timeout = null) => MasterAsync(group, GetMaster.Instance, timeout);

    /// <summary>Whether this node holds the group's master lease now (false too when the group does not run here).</summary>
    public async Task<bool> IsMasterAsync(string group, TimeSpan? timeout = null) =>
        (await MasterAsync(group, IsMaster.Instance, timeout).ConfigureAwait(false))?.IsSelf == true;

    /// <summary>Gives up this node's master lease, if it holds it: another member takes over. The master as seen after, or null when the group does not run here.</summary>
    public Task<MasterInfo?> DropMasterAsync(string group, TimeSpan? timeout = null) => MasterAsync(group, DropMaster.Instance, timeout);

    private async Task<MasterInfo?> MasterAsync(string group, object request, TimeSpan? timeout)
    {
        var actor = await GroupAsync(group).ConfigureAwait(false);
        return actor is null ? null : await actor.Ask<MasterInfo>(request, timeout ?? TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    private async Task<MemberChangeReply> ChangeMembersAsync(string group, object change, TimeSpan? timeout)
    {
        var actor = await GroupAsync(group).ConfigureAwait(false);
        if (actor is null)
        {
            return new MemberChangeFailed(MemberChangeFailureReason.NotMember, $"No group '{group}' runs on this node.");
        }

        // A change is at most two proposals and a wait for the new node in between.
        var ceiling = timeout ?? Settings.Membership.CatchUpTimeout + 2 * Settings.Protocol.ProposeTimeout + TimeSpan.FromSeconds(10);
        return await actor.Ask<MemberChangeReply>(change, ceiling).ConfigureAwait(false);
    }
}

/// <summary>The extension id: <c>system.WithExtension&lt;PaxosExtension, PaxosExtensionProvider&gt;()</c>.</summary>
public sealed class PaxosExtensionProvider : ExtensionIdProvider<PaxosExtension>
{
    public override PaxosExtension CreateExtension(ExtendedActorSystem system) => new(system);
}
