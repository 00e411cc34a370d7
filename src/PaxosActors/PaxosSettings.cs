using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Configuration;
using PaxosActors.Core;

namespace PaxosActors;

/// <summary>
/// The validated <c>paxos-actors</c> section. A bad value fails fast with a
/// <see cref="ConfigurationException"/> that names the key.
/// </summary>
public sealed partial record PaxosSettings
{
    public const string Section = "paxos-actors";

    /// <summary>Bytes of a remoting frame left for what surrounds a value of the largest size.</summary>
    public const int FrameOverhead = 4096;

    public required NodeId NodeId { get; init; }

    /// <summary>Every node of one deployment has the same; messages with another are dropped.</summary>
    public required string ClusterId { get; init; }

    public required IReadOnlyDictionary<NodeId, Address> Nodes { get; init; }

    public required IReadOnlyDictionary<string, GroupSettings> Groups { get; init; }

    public int MaxValueSize => Protocol.MaxValueSize;

    public TimeSpan ProposeTimeout => Protocol.ProposeTimeout;

    public int MaxPendingProposals => Protocol.MaxPendingProposals;

    public required TimeSpan LearnInterval { get; init; }

    /// <summary>Chosen instances per second a group serves to lagging nodes.</summary>
    public required int CatchUpRate { get; init; }

    /// <summary>How membership changes wait for a joining node to catch up.</summary>
    public MembershipSettings Membership { get; init; } = MembershipSettings.Default;

    /// <summary>Akka.Cluster mode (<c>paxos-actors.cluster</c>): off unless enabled.</summary>
    public ClusterSettings Cluster { get; init; } = ClusterSettings.Off;

    /// <summary>The master lease of the groups that have a master (<c>paxos-actors.master</c>).</summary>
    public MasterOptions Master { get; init; } = new(10_000, 0.01);

    /// <summary>Whether the master answers reads from its lease, without a round (<c>paxos-actors.master.lease-reads</c>).</summary>
    public bool LeaseReads { get; init; } = true;

    /// <summary>The path of the Paxos guardian on peers, where this node sends their messages (<c>paxos-actors.wire.peer-path</c>): <c>/system/paxos</c>, or <c>/user/paxos</c> during an upgrade from an earlier release.</summary>
    public string PeerGuardianPath { get; init; } = Actors.PaxosGuardian.Path;

    /// <summary>Whether <c>/user/paxos/group-&lt;name&gt;</c> forwards to the groups (<c>paxos-actors.wire.user-alias</c>).</summary>
    public bool UserAlias { get; init; } = true;

    public required string JournalPluginId { get; init; }

    public required TimeSpan AcceptorRestartMinBackoff { get; init; }

    public required TimeSpan AcceptorRestartMaxBackoff { get; init; }

    public required ProtocolOptions Protocol { get; init; }

    /// <summary>Where checkpoints go (one folder per group), or null: checkpoints are off.</summary>
    public string? CheckpointDir { get; init; }

    /// <summary>Checkpoints kept per group.</summary>
    public int CheckpointKeep { get; init; } = 2;

    /// <summary>Proposals packed into one instance at most (1: automatic batching off).</summary>
    public int BatchMaxCount => Protocol.BatchMaxCount;

    /// <summary>BatchPropose: how many to wait for, and how long at most, before proposing.</summary>
    public int BatchProposeMaxCount => Protocol.BatchProposeMaxCount;

    public TimeSpan BatchProposeLinger => Protocol.BatchProposeLinger;

    /// <summary>Hand proposals to the node whose proposer decided the latest instance.</summary>
    public bool ForwardToLeader => Protocol.ForwardToLeader;

    /// <summary>A leader that decided nothing for this long, or left forwarded commands unanswered this long, is passed over.</summary>
    public TimeSpan LeaderTimeout => Protocol.LeaderTimeout;

    public static PaxosSettings Create(ActorSystem system) => Create(system.Settings.Config);

    /// <summary>The node id → Akka address map under <c>nodes</c> of the <c>paxos-actors</c> section <paramref name="c"/>.</summary>
    public static IReadOnlyDictionary<NodeId, Address> ParseNodes(Config c)
    {
        var nodes = new Dictionary<NodeId, Address>();
        var tls = c.GetBoolean("tls.enabled", false);
        foreach (var (key, value) in c.GetConfig("nodes")?.AsEnumerable() ?? [])
        {
            Require(int.TryParse(key, out var id) && id >= 1, $"nodes.{key}", "node ids must be integers >= 1");
            Require(Address.TryParse(value.GetString(), out var address), $"nodes.{key}", $"'{value.GetString()}' is not an Akka address");
            Require(
                address!.Protocol == "akka.ssl.tcp" == tls,
                $"nodes.{key}",
                tls ? $"'{value.GetString()}' must start akka.ssl.tcp:// (paxos-actors.tls is on)" : $"'{value.GetString()}' is a TLS address: turn paxos-actors.tls on, or write akka.tcp://");
            nodes[new NodeId(id)] = address!;
        }

        return nodes;
    }

    public static PaxosSettings Create(Config root)
    {
        var c = root.GetConfig(Section) ?? throw new ConfigurationException($"Missing section '{Section}'.");
        var nodeId = c.GetInt("node-id", 0);
        Require(nodeId >= 1, "node-id", "must be an integer >= 1 (this node's id)");

        var clusterId = c.GetString("cluster-id", string.Empty);
        Require(clusterId.Length is > 0 and <= 64, "cluster-id", "must be 1 to 64 characters");

        var nodes = ParseNodes(c);
        var cluster = ClusterSettings.Create(c);
        Require(!cluster.Enabled || nodes.Count == 0, "nodes", "must be empty with cluster.enabled = on: the addresses come from Akka.Cluster");

        var groups = new Dictionary<string, GroupSettings>();
        foreach (var name in c.GetConfig("groups")?.Root.GetObject().Items.Keys.ToArray() ?? [])
        {
            Require(GroupName().IsMatch(name), $"groups.{name}", "a group name uses letters, digits, '-' and '_' only");
            Require(name != PaxosActors.Cluster.ClusterBootstrapActor.BootstrapGroup, $"groups.{name}", "is the name of the Akka.Cluster bootstrap's own group");
            var members = (c.HasPath($"groups.{name}.members") ? c.GetIntList($"groups.{name}.members") : []).Select(i => new NodeId(i)).ToArray();
            Require(members.Length > 0 || cluster.Enabled, $"groups.{name}.members", "needs at least one node id");
            Require(members.Length == 0 || !cluster.Enabled, $"groups.{name}.members", "must be left out with cluster.enabled = on: the cluster's bootstrap chooses the members");
            foreach (var m in members)
            {
                Require(nodes.ContainsKey(m), $"groups.{name}.members", $"node {m.Value} has no address under {Section}.nodes");
            }

            var followers = new Dictionary<NodeId, NodeId>();
            foreach (var (key, value) in c.GetConfig($"groups.{name}.followers")?.AsEnumerable() ?? [])
            {
                var where = $"groups.{name}.followers.{key}";
                Require(int.TryParse(key, out var f) && nodes.ContainsKey(new NodeId(f)), where, "a follower is a node id with an address under nodes");
                Require(int.TryParse(value.GetString(), out var followed) && members.Contains(new NodeId(followed)), where, "a follower follows a member of the group");
                Require(!members.Contains(new NodeId(f)), where, "a member cannot also be a follower");
                followers[new NodeId(f)] = new NodeId(followed);
            }

            groups[name] = new GroupSettings(name, members, followers) { Master = c.GetBoolean($"groups.{name}.master", false) };
        }

        var maxValue = c.GetByteSize("max-value-size") ?? 0;
        Require(maxValue is >= 1 and <= int.MaxValue, "max-value-size", "must be between 1 byte and 2 GiB");
        // A value travels whole in one Akka.Remote frame (an Accept, a ValueChosen, a catch-up
        // answer): refuse a limit that would not fit, rather than have remoting drop the frames.
        var frame = root.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size") ?? 128_000;
        Require(maxValue + FrameOverhead <= frame, "max-value-size", $"must leave {FrameOverhead} bytes under akka.remote.dot-netty.tcp.maximum-frame-size ({frame}) for the message around the value");
        var pending = c.GetInt("max-pending-proposals");
        Require(pending >= 1, "max-pending-proposals", "must be >= 1");
        var slack = c.GetLong("membership.catch-up-slack");
        Require(slack >= 0, "membership.catch-up-slack", "must be >= 0 instances");
        var catchUpRate = c.GetInt("catch-up-rate");
        Require(catchUpRate >= 1, "catch-up-rate", "must be >= 1 instance per second");
        var batchMax = c.GetBoolean("batching.enabled") ? c.GetInt("batching.max-count") : 1;
        Require(batchMax >= 1, "batching.max-count", "must be >= 1");
        var explicitMax = c.GetInt("batch-propose.max-count");
        Require(explicitMax >= 1, "batch-propose.max-count", "must be >= 1");
        var linger = c.GetTimeSpan("batch-propose.linger");
        Require(linger >= TimeSpan.Zero && linger <= TimeSpan.FromSeconds(1), "batch-propose.linger", "must be between 0 and 1s");
        var minBackoff = Positive(c, "acceptor.restart-min-backoff");
        var maxBackoff = Positive(c, "acceptor.restart-max-backoff");
        Require(maxBackoff >= minBackoff, "acceptor.restart-max-backoff", "must be >= acceptor.restart-min-backoff");

        var checkpointEvery = c.GetLong("checkpoint.every-instances");
        Require(checkpointEvery >= 0, "checkpoint.every-instances", "must be >= 0 (0: no checkpoints)");
        var checkpointKeep = c.GetInt("checkpoint.keep");
        Require(checkpointKeep >= 1, "checkpoint.keep", "must be >= 1");
        var checkpointDir = c.GetString("checkpoint.dir", string.Empty);
        if (checkpointDir.Length == 0 && c.GetString("sqlite-journal.path", string.Empty) is { Length: > 0 } journal)
        {
            checkpointDir = journal + ".checkpoints";
        }

        var chunk = c.GetByteSize("checkpoint.transfer.chunk-size") ?? 0;
        Require(chunk is >= 1024 and <= ChunkRequest.MaxBytes && chunk + FrameOverhead <= frame, "checkpoint.transfer.chunk-size", $"must be at least 1 KiB, at most 1 MiB, and leave {FrameOverhead} bytes under akka.remote.dot-netty.tcp.maximum-frame-size ({frame})");
        var window = c.GetInt("checkpoint.transfer.window");
        Require(window >= 1, "checkpoint.transfer.window", "must be >= 1");
        long? keep = c.GetString("log.keep-instances", "off") is "off" or "false" ? null : c.GetLong("log.keep-instances");
        Require(keep is null or >= 0, "log.keep-instances", "must be >= 0, or off");
        var every = checkpointDir.Length == 0 ? 0 : checkpointEvery;
        var protocol = new ProtocolOptions
        {
            CheckpointEvery = every,
            KeepInstances = every == 0 ? null : keep,

            // Marks (where a cut may fall) a few times per checkpoint interval and per kept span.
            LogMarkEvery = Math.Clamp(Math.Min(keep ?? long.MaxValue, every == 0 ? long.MaxValue : every) / 4, 1, 1000),
            TruncateStepInstances = c.GetLong("log.truncate-step-instances"),
            TruncateInterval = c.GetTimeSpan("log.truncate-interval"),
            ChosenWriteDelay = c.GetTimeSpan("log.chosen-write-delay"),

            // A fetching peer gives up after IdleTicks learn ticks without progress: a file it
            // fetched from within one more tick is still its file.
            TransferPin = Positive(c, "learn-interval") * (CheckpointFetch.IdleTicks + 1),
            TransferChunkBytes = (int)chunk,
            TransferWindow = window,
            PrepareTimeout = Positive(c, "proposer.prepare-timeout"),
            AcceptTimeout = Positive(c, "proposer.accept-timeout"),
            MaxRoundTimeout = Positive(c, "proposer.max-round-timeout"),
            BackoffMin = c.GetTimeSpan("proposer.backoff-min"),
            BackoffMax = Positive(c, "proposer.backoff-max"),
            MaxConflictRetries = c.GetInt("proposer.max-conflict-retries"),
            ChosenWithNextAccept = c.GetBoolean("proposer.chosen-with-next-accept") && c.GetInt("wire.write-version", 2) != 1,
            FutureQueueLimit = c.GetInt("future-queue-limit"),
            FutureQueueBytes = c.GetByteSize("future-queue-bytes") ?? 0,
            CatchUpBatch = c.GetInt("catch-up-batch"),
            LogWindow = c.GetInt("log-memory-window"),
            LogWindowBytes = c.GetByteSize("log-memory-bytes") ?? 0,
            MaxValueSize = (int)maxValue,
            ProposeTimeout = Positive(c, "propose-timeout"),
            MaxPendingProposals = pending,
            BatchMaxCount = batchMax,
            BatchProposeMaxCount = explicitMax,
            BatchProposeLinger = linger,
            ForwardToLeader = c.GetBoolean("forward-to-leader"),
            LeaderTimeout = Positive(c, "leader-timeout"),
        };
        try
        {
            protocol.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException($"{Section}.proposer / future-queue-limit / future-queue-bytes / catch-up-batch / log-memory-window / log-memory-bytes / log: {e.Message}");
        }

        Require(protocol.FutureQueueBytes >= maxValue, "future-queue-bytes", "must hold at least one value of max-value-size");

        return new PaxosSettings
        {
            NodeId = new NodeId(nodeId),
            ClusterId = clusterId,
            Nodes = nodes,
            Groups = groups,
            LearnInterval = Positive(c, "learn-interval"),
            CatchUpRate = catchUpRate,
            Membership = new MembershipSettings(Positive(c, "membership.catch-up-timeout"), slack, Positive(c, "membership.check-interval")),
            Master = MasterSettings(c),
            LeaseReads = c.GetBoolean("master.lease-reads", true),
            PeerGuardianPath = PeerPath(c),
            UserAlias = c.GetBoolean("wire.user-alias", true),
            Cluster = cluster,
            JournalPluginId = c.GetString("acceptor.journal-plugin-id", string.Empty),
            AcceptorRestartMinBackoff = minBackoff,
            AcceptorRestartMaxBackoff = maxBackoff,
            Protocol = protocol,
            CheckpointDir = checkpointDir.Length == 0 ? null : checkpointDir,
            CheckpointKeep = checkpointKeep,
        };
    }

    private static string PeerPath(Config c) => c.GetString("wire.peer-path", "system") switch
    {
        "system" => Actors.PaxosGuardian.Path,
        "user" => Actors.PaxosGuardian.UserPath,
        var other => throw new ConfigurationException($"{Section}.wire.peer-path must be system or user, not '{other}'."),
    };

    private static MasterOptions MasterSettings(Config c)
    {
        var lease = Positive(c, "master.lease");
        double drift;
        try
        {
            drift = c.GetDouble("master.max-clock-drift");
        }
        catch (Exception e) when (e is not ConfigurationException)
        {
            throw new ConfigurationException($"{Section}.master.max-clock-drift: {e.Message}");
        }

        Require(drift is >= 0 and < 0.5, "master.max-clock-drift", "must be a fraction in [0, 0.5), e.g. 0.01");
        Require(lease >= TimeSpan.FromMilliseconds(100), "master.lease", "must be at least 100ms");
        return new MasterOptions((long)lease.TotalMilliseconds, drift);
    }

    private static TimeSpan Positive(Config c, string key)
    {
        TimeSpan value;
        try
        {
            value = c.GetTimeSpan(key);
        }
        catch (Exception e) when (e is not ConfigurationException)
        {
            throw new ConfigurationException($"{Section}.{key}: {e.Message}");
        }

        Require(value > TimeSpan.Zero, key, "must be a positive duration");
        return value;
    }

    internal static void Require(bool ok, string key, string what)
    {
        if (!ok)
        {
            throw new ConfigurationException($"{Section}.{key}: {what}.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex GroupName();
}

/// <summary>Akka.Cluster mode (see <c>paxos-actors.cluster</c> in reference.conf).</summary>
public sealed record ClusterSettings(bool Enabled, string Role, int BootstrapMembers, bool AutoAdd, bool AutoRemove)
{
    public static readonly ClusterSettings Off = new(false, string.Empty, 3, false, false);

    internal static ClusterSettings Create(Config c)
    {
        var settings = new ClusterSettings(
            c.GetBoolean("cluster.enabled", false),
            c.GetString("cluster.role", string.Empty),
            c.GetInt("cluster.bootstrap-members", 3),
            c.GetBoolean("cluster.auto-add", false),
            c.GetBoolean("cluster.auto-remove", false));
        PaxosSettings.Require(settings.BootstrapMembers >= 1, "cluster.bootstrap-members", "must be >= 1");
        return settings;
    }
}

/// <summary>How a membership change waits for a node that joined as a learner (see <c>paxos-actors.membership</c>).</summary>
public sealed record MembershipSettings(TimeSpan CatchUpTimeout, long CatchUpSlack, TimeSpan CheckInterval)
{
    public static readonly MembershipSettings Default = new(TimeSpan.FromSeconds(60), 100, TimeSpan.FromMilliseconds(200));
}

/// <summary>One group's configuration: its name, voting members, followers (follower → the member it follows), and whether it has a master.</summary>
public sealed record GroupSettings(string Name, IReadOnlyList<NodeId> Members, IReadOnlyDictionary<NodeId, NodeId> Followers)
{
    /// <summary>Whether the group elects a master with a lease (<c>groups.&lt;name&gt;.master</c>).</summary>
    public bool Master { get; init; }

    public GroupSettings(string name, IReadOnlyList<NodeId> members)
        : this(name, members, new Dictionary<NodeId, NodeId>())
    {
    }
}
