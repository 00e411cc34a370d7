namespace PaxosActors.Core;

/// <summary>
/// A group's membership as its log says (PhxPaxos's system variables): every node known to the
/// group by id, its Akka address, and whether it votes; and the version, counted up by every
/// change. Version 0 is the initial membership from configuration, which the log never holds.
/// Immutable: <see cref="Apply"/> returns the next state.
/// </summary>
internal sealed class SystemState
{
    /// <summary>How many removed nodes the state remembers, so they can still learn their removal.</summary>
    public const int DepartedKept = 16;

    private SystemState(long version, SortedDictionary<NodeId, MemberInfo> nodes, IReadOnlyList<KeyValuePair<NodeId, string?>> departed)
    {
        Version = version;
        Nodes = nodes;
        Departed = departed;
    }

    /// <summary>The version: 0 for the configured start, one more after each change applied.</summary>
    public long Version { get; }

    /// <summary>Every node the log knows, voting or learning, by id.</summary>
    public IReadOnlyDictionary<NodeId, MemberInfo> Nodes { get; }

    /// <summary>The voting members.</summary>
    public IEnumerable<NodeId> Voters => Nodes.Where(n => n.Value.Voting).Select(n => n.Key);

    /// <summary>Nodes that learn every chosen value and will vote once promoted.</summary>
    public IEnumerable<NodeId> Learners => Nodes.Where(n => !n.Value.Voting).Select(n => n.Key);

    /// <summary>
    /// The most recently removed nodes (at most <see cref="DepartedKept"/>, oldest first) and
    /// their last addresses. They have no vote and get nothing pushed, but their requests to learn
    /// are still served: a removed node that was behind learns the change that removed it, and
    /// says so, instead of waiting forever on an old view.
    /// </summary>
    public IReadOnlyList<KeyValuePair<NodeId, string?>> Departed { get; }

    /// <summary>
    /// The membership at version 0: the configured members, all voting, at no address of the
    /// log's (each node reaches them at its configured ones). Addresses are not part of it:
    /// nodes may be configured with different addresses for a member (one that moved), and the
    /// state must be the same on every node for every change to apply alike.
    /// </summary>
    public static SystemState Initial(IEnumerable<NodeId> members)
    {
        var nodes = new SortedDictionary<NodeId, MemberInfo>();
        foreach (var id in members)
        {
            nodes[id] = new MemberInfo(null, Voting: true);
        }

        if (nodes.Count == 0 || nodes.ContainsKey(NodeId.None))
        {
            throw new ArgumentException("A group starts with one or more members, none of them node 0.", nameof(members));
        }

        return new SystemState(0, nodes, []);
    }

    /// <summary>
    /// Applies a change if its expected version matches and it leaves a valid group; otherwise
    /// the state stays and the outcome says why. Deterministic: every node gets the same answer.
    /// </summary>
    public MemberChangeOutcome Apply(MemberChange change)
    {
        if (change.ExpectedVersion is { } expected && expected != Version)
        {
            return Rejected($"The change expected membership version {expected}; it is at {Version}.");
        }

        var nodes = new SortedDictionary<NodeId, MemberInfo>((IDictionary<NodeId, MemberInfo>)Nodes);
        var removed = NodeId.None;
        switch (change)
        {
            case JoinAsLearner j when j.Node == NodeId.None || string.IsNullOrWhiteSpace(j.Address):
                return Rejected("A node needs an id above 0 and an address.");
            case JoinAsLearner j when nodes.TryGetValue(j.Node, out var known):
                if (known.Address == j.Address)
                {
                    return Rejected($"Node {j.Node} is already known at {j.Address}.", unchanged: true);
                }

                nodes[j.Node] = known with { Address = j.Address };
                break;
            case JoinAsLearner j:
                nodes[j.Node] = new MemberInfo(j.Address, Voting: false);
                break;
            case Promote p when !nodes.TryGetValue(p.Node, out var known):
                return Rejected($"Node {p.Node} is not known to the group; it joins as a learner first.");
            case Promote p when nodes[p.Node].Voting:
                return Rejected($"Node {p.Node} already votes.", unchanged: true);
            case Promote p:
                nodes[p.Node] = nodes[p.Node] with { Voting = true };
                break;
            case RemoveNode r when !nodes.ContainsKey(r.Node):
                return Rejected($"Node {r.Node} is not in the group.", unchanged: true);
            case RemoveNode r when nodes[r.Node].Voting && Voters.Count() == 1:
                return Rejected($"Node {r.Node} is the group's last voting member.");
            case RemoveNode r:
                nodes.Remove(r.Node);
                removed = r.Node;
                break;
            case ReplaceVoter s when !nodes.TryGetValue(s.Old, out var old) || !old.Voting:
                return Rejected($"Node {s.Old} is not a voting member.");
            case ReplaceVoter s when !nodes.TryGetValue(s.New, out var fresh) || fresh.Voting:
                return Rejected($"Node {s.New} must be a learner of the group (it joins as a learner first).");
            case ReplaceVoter s:
                nodes.Remove(s.Old);
                removed = s.Old;
                nodes[s.New] = nodes[s.New] with { Voting = true };
                break;
            default:
                throw new ArgumentException($"Unknown change {change.GetType().Name}.", nameof(change));
        }

        return new MemberChangeOutcome(new SystemState(Version + 1, nodes, DepartedAfter(removed, nodes)), Applied: true, Unchanged: false, null);
    }

    /// <summary>The departed list after a change: a node known again leaves it, a removed one joins it last.</summary>
    private List<KeyValuePair<NodeId, string?>> DepartedAfter(NodeId removed, SortedDictionary<NodeId, MemberInfo> nodes)
    {
        var departed = Departed.Where(d => !nodes.ContainsKey(d.Key) && d.Key != removed).ToList();
        if (removed != NodeId.None)
        {
            departed.Add(new(removed, Nodes[removed].Address));
        }

        return departed.Skip(Math.Max(0, departed.Count - DepartedKept)).ToList();
    }

    public byte[] Encode()
    {
        var w = new WireWriter(16 + Nodes.Count * 64).Byte(1).Int64(Version).Int32(Nodes.Count);
        foreach (var (id, info) in Nodes)
        {
            w.Int32(id.Value).String(info.Address ?? string.Empty).Bool(info.Voting);
        }

        w.Int32(Departed.Count);
        foreach (var (id, address) in Departed)
        {
            w.Int32(id.Value).String(address ?? string.Empty);
        }

        return w.ToArray();
    }

    public static SystemState Decode(ReadOnlySpan<byte> bytes)
    {
        var r = new WireReader(bytes);
        if (r.Byte() != 1)
        {
            throw new PaxosFormatException("Unknown membership format.");
        }

        var version = r.Int64();
        var count = r.Int32();
        if (version < 0 || count <= 0 || count > bytes.Length)
        {
            throw new PaxosFormatException($"Invalid membership version {version} or count {count}.");
        }

        var nodes = new SortedDictionary<NodeId, MemberInfo>();
        for (var i = 0; i < count; i++)
        {
            var id = r.Int32();
            var info = new MemberInfo(AddressOrNone(r.String()), r.Bool());
            if (id <= 0 || !nodes.TryAdd(new NodeId(id), info))
            {
                throw new PaxosFormatException($"Invalid or repeated member id {id}.");
            }
        }

        var departedCount = r.Int32();
        if (departedCount < 0 || departedCount > DepartedKept)
        {
            throw new PaxosFormatException($"Invalid departed count {departedCount}.");
        }

        var departed = new List<KeyValuePair<NodeId, string?>>(departedCount);
        for (var i = 0; i < departedCount; i++)
        {
            var id = r.Int32();
            var address = AddressOrNone(r.String());
            if (id <= 0 || nodes.ContainsKey(new NodeId(id)) || departed.Any(d => d.Key.Value == id))
            {
                throw new PaxosFormatException($"Invalid departed node id {id}.");
            }

            departed.Add(new(new NodeId(id), address));
        }

        r.End();
        if (!nodes.Values.Any(n => n.Voting))
        {
            throw new PaxosFormatException("A membership without a voting member.");
        }

        return new SystemState(version, nodes, departed);
    }

    public override string ToString() =>
        $"v{Version} [{string.Join(", ", Nodes.Select(n => $"{n.Key}{(n.Value.Voting ? string.Empty : " (learner)")}@{n.Value.Address ?? "(configured)"}"))}]";

    private static string? AddressOrNone(string address) => address.Length == 0 ? null : address;

    private MemberChangeOutcome Rejected(string why, bool unchanged = false) => new(this, Applied: false, unchanged, why);
}

/// <summary>A node of the group: where the log says it is reached (null: at its configured address), and whether it votes.</summary>
internal sealed record MemberInfo(string? Address, bool Voting);

/// <summary>
/// What a change did: <see cref="Applied"/> with the new state, or not with the reason and the
/// unchanged state. <see cref="Unchanged"/> says the state already was what the change asked for.
/// </summary>
internal sealed record MemberChangeOutcome(SystemState State, bool Applied, bool Unchanged, string? Reason);
