using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using PaxosActors.Actors;
using PaxosActors.Core;

namespace PaxosActors.Cluster;

/// <summary>
/// Akka.Cluster mode on one node (<c>/system/paxos/cluster</c>). It finds the bootstrap outcome
/// (<see cref="BootstrapRecord"/>): in this node's journal; else from a peer that has it; else,
/// if this node is among the first <c>bootstrap-members</c> Up members with the role, it runs
/// the bootstrap: it starts the bootstrap group with those members and proposes a claim with a
/// fresh cluster id. Every candidate does the same, and the group's log chooses one claim, so
/// racing bootstraps agree. The outcome goes to the journal, then to the extension, which starts
/// the groups. Later, with auto-add or auto-remove, the oldest Up first member changes the groups'
/// members as members come Up (or back at a new address) or are removed.
/// </summary>
internal sealed partial class ClusterBootstrapActor : UntypedActor, IWithTimers
{
    public const string Name = "cluster";

    /// <summary>The group whose log holds the bootstrap's claims (a reserved group name).</summary>
    public const string BootstrapGroup = "paxos-bootstrap";

    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    private readonly PaxosSettings _settings;
    private readonly TaskCompletionSource<BootstrapRecord> _bootstrapped;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();

    // Up members with the role, by address; the node ids they answered with.
    private readonly Dictionary<Address, Member> _up = [];
    private readonly Dictionary<Address, int> _ids = [];
    private readonly HashSet<Address> _asking = [];
    private IActorRef _journal = ActorRefs.Nobody;
    private BootstrapRecord? _record;
    private bool _recovered;
    private bool _claiming;
    private bool _saving;

    public ClusterBootstrapActor(PaxosSettings settings, TaskCompletionSource<BootstrapRecord> bootstrapped)
    {
        _settings = settings;
        _bootstrapped = bootstrapped;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private ClusterSettings Options => _settings.Cluster;

    public static Props Props(PaxosSettings settings, TaskCompletionSource<BootstrapRecord> bootstrapped) =>
        Akka.Actor.Props.Create(() => new ClusterBootstrapActor(settings, bootstrapped));

    protected override void PreStart()
    {
        _journal = Context.ActorOf(BootstrapJournal.Props(_settings.NodeId.Value, _settings.JournalPluginId), "journal");
        _ids[_cluster.SelfAddress] = _settings.NodeId.Value;
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));
        Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.FromMilliseconds(500));
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case BootstrapRecovered r:
                _recovered = true;
                if (r.Record is { } recovered)
                {
                    Decide(recovered, "from this node's journal");
                }

                break;
            case ClusterEvent.IMemberEvent e:
                Track(e);
                break;
            case Tick when !_recovered:
                break;
            case Tick when _record is null:
                Seek();
                break;
            case Tick:
                Reconcile();
                break;
            case BootstrapQuery:
                Sender.Tell(new BootstrapAnswer(_record?.Encode()));
                break;
            case BootstrapAnswer { Record: { } bytes }:
                if (Decode(bytes) is { } fromPeer && _record is null && !_saving)
                {
                    Save(fromPeer, $"from {Sender.Path.Address}");
                }

                break;
            case BootstrapAnswer:
                break;
            case NodeIdOf n:
                _asking.Remove(n.Address);
                if (n.NodeId > 0)
                {
                    _ids[n.Address] = n.NodeId;
                }

                break;
            case ClaimChosen c when _record is null && !_saving:
                if (!c.Winner.SameMembers(c.Mine))
                {
                    _log.Warning("Paxos bootstrap: the chosen claim has other first members ({0}) than this node saw ({1}); the log decides, and this node follows it", c.Winner, c.Mine);
                }

                Save(c.Winner, "chosen by the bootstrap group");
                break;
            case ClaimChosen:
                break;
            case BootstrapSaved s:
                Decide(s.Record, "saved");
                break;
            case ReconcileDone d:
                OnReconciled(d);
                break;
            case Status.Failure f:
                _claiming = false;
                _reconciling = false;
                _log.Info("Paxos cluster: {0}; trying again", f.Cause.Message);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>A peer's record, or null after logging why it is not one (this node asks again, or another peer).</summary>
    private BootstrapRecord? Decode(byte[] bytes)
    {
        try
        {
            return BootstrapRecord.Decode(bytes);
        }
        catch (PaxosFormatException e)
        {
            _log.Warning("Paxos bootstrap: {0} answered with no valid record ({1}); ignored", Sender.Path.Address, e.Message);
            return null;
        }
    }

    private bool HasRole(Member m) => Options.Role.Length == 0 || m.HasRole(Options.Role);

    private void Track(ClusterEvent.IMemberEvent e)
    {
        if (e.Member.Status == MemberStatus.Up && HasRole(e.Member))
        {
            _up[e.Member.Address] = e.Member;
            return;
        }

        _up.Remove(e.Member.Address);
        if (e is ClusterEvent.MemberRemoved removed && HasRole(removed.Member))
        {
            _removed.Add(removed.Member.Address);
        }
    }

    /// <summary>Asks the Up members for the record and, among the first of them, runs the bootstrap.</summary>
    private void Seek()
    {
        if (!_up.ContainsKey(_cluster.SelfAddress))
        {
            return;
        }

        foreach (var address in _up.Keys.Where(a => a != _cluster.SelfAddress))
        {
            Context.System.ActorSelection($"{address}{_settings.PeerGuardianPath}/{Name}").Tell(BootstrapQuery.Instance);
        }

        var candidates = _up.Values.OrderBy(m => m, Member.AgeOrdering).Take(Options.BootstrapMembers).ToList();
        if (_claiming || candidates.Count < Options.BootstrapMembers || candidates.All(m => m.Address != _cluster.SelfAddress))
        {
            return;
        }

        _claiming = true;
        ClaimAsync(Context.System, Context.Parent, _settings, _cluster.SelfAddress, [.. candidates.Select(m => m.Address)]).PipeTo(Self);
    }

    /// <summary>Learns the candidates' node ids, starts the bootstrap group with them, and proposes a claim; the answer is the claim chosen.</summary>
    private static async Task<ClaimChosen> ClaimAsync(ActorSystem system, IActorRef guardian, PaxosSettings settings, Address self, IReadOnlyList<Address> candidates)
    {
        var ids = await Task.WhenAll(candidates.Select(async a => a == self
            ? settings.NodeId.Value
            : (await Guardian(system, a, settings).Ask<NodeGroups>(GetNodeGroups.Instance, AskTimeout).ConfigureAwait(false)).NodeId)).ConfigureAwait(false);
        if (ids.Distinct().Count() != ids.Length)
        {
            throw new InvalidOperationException($"two of the first members have the same paxos-actors.node-id ({string.Join(", ", ids.Zip(candidates, (i, a) => $"{i} at {a}"))}); give every node its own");
        }

        var mine = new BootstrapRecord(Guid.NewGuid().ToString("N"), [.. ids.Zip(candidates, (i, a) => new BootstrapMember(i, a.ToString())).OrderBy(m => m.NodeId)]);
        var group = new GroupSettings(BootstrapGroup, mine.Ids);
        var groupRef = await guardian.Ask<IActorRef>(new StartGroup(group, [new BootstrapMachine()], Run(settings, mine, self, "paxos-bootstrap")), AskTimeout).ConfigureAwait(false);
        var reply = await groupRef.Ask<object>(new Propose(mine.Encode()), settings.ProposeTimeout + AskTimeout).ConfigureAwait(false);
        return reply is ProposeResult { Result: byte[] winner }
            ? new ClaimChosen(BootstrapRecord.Decode(winner), mine)
            : throw new InvalidOperationException($"the claim was not chosen ({reply})");
    }

    private static ActorSelection Guardian(ActorSystem system, Address node, PaxosSettings settings) => system.ActorSelection($"{node}{settings.PeerGuardianPath}");

    /// <summary>The node's settings for groups that begin as <paramref name="record"/> says.</summary>
    internal static PaxosSettings Run(PaxosSettings settings, BootstrapRecord record, Address self, string clusterId)
    {
        var nodes = record.Members.ToDictionary(m => new NodeId(m.NodeId), m => Address.Parse(m.Address));
        nodes[settings.NodeId] = self;
        return settings with { ClusterId = clusterId, Nodes = nodes };
    }

    private void Save(BootstrapRecord record, string how)
    {
        _saving = true;
        _log.Info("Paxos bootstrap: {0} ({1}); saving it", record, how);
        _journal.Tell(record);
    }

    private void Decide(BootstrapRecord record, string how)
    {
        _record = record;
        _saving = false;
        _claiming = false;
        _log.Info("Paxos bootstrap: {0} ({1}); starting the groups", record, how);
        _bootstrapped.TrySetResult(record);
    }

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }
}

/// <summary>Another node's bootstrap actor asks for the record.</summary>
internal sealed record BootstrapQuery
{
    public static readonly BootstrapQuery Instance = new();
}

/// <summary>The record as bytes, or null while that node has none.</summary>
internal sealed record BootstrapAnswer(byte[]? Record);

/// <summary>The claim the bootstrap group chose, and the one this node proposed.</summary>
internal sealed record ClaimChosen(BootstrapRecord Winner, BootstrapRecord Mine);

/// <summary>A member at <see cref="Address"/> has node id <see cref="NodeId"/> (0: it did not say).</summary>
internal sealed record NodeIdOf(Address Address, int NodeId);
