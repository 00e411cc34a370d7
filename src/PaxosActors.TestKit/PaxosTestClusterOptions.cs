using PaxosActors.Security;

namespace PaxosActors.TestKit;

/// <summary>What a <see cref="PaxosTestCluster"/> runs.</summary>
public sealed record PaxosTestClusterOptions
{
    /// <summary>How many nodes (ids 1..N), followers included.</summary>
    public int Nodes { get; init; } = 3;

    /// <summary>Nodes that follow the groups rather than vote: follower id → the member it follows.</summary>
    public IReadOnlyDictionary<int, int> Followers { get; init; } = new Dictionary<int, int>();

    /// <summary>
    /// The groups' configured (founding) members; null: every node that does not follow. The
    /// other nodes run the groups without a vote until a membership change adds them.
    /// </summary>
    public IReadOnlyList<int>? Members { get; init; }

    /// <summary>Nodes that <see cref="PaxosTestCluster.StartAsync"/> does not start: start them with <see cref="PaxosTestCluster.RestartAsync"/>.</summary>
    public IReadOnlyList<int> StartLater { get; init; } = [];

    /// <summary>The groups every node serves.</summary>
    public IReadOnlyList<string> Groups { get; init; } = ["test"];

    /// <summary>
    /// The state machines of a node's group, made anew at every start of the node (after a
    /// restart the group replays its log into them).
    /// </summary>
    public required Func<int, string, IStateMachine[]> StateMachines { get; init; }

    /// <summary>HOCON layered over the generated node config: timeouts, serializers, log level.</summary>
    public string ExtraConfig { get; init; } = string.Empty;

    /// <summary>HOCON for one node, over <see cref="ExtraConfig"/> (e.g. each node its own database).</summary>
    public Func<int, string>? NodeConfig { get; init; }

    /// <summary>Seed of the random faults on links.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Runs Akka.Remote between the nodes over mutual TLS, each node with a certificate that names
    /// it, from a development CA made for this cluster (<see cref="PaxosTestCluster.Certificates"/>).
    /// </summary>
    public bool Tls { get; init; }

    /// <summary>
    /// With <see cref="Tls"/>, the identity node N's certificate names (default: node N of the
    /// cluster; null: no identity). For tests of a node that presents another's identity.
    /// </summary>
    public Func<int, PeerIdentity?>? CertificateIdentity { get; init; }

    /// <summary>Where the nodes' SQLite files go; a fresh temporary folder when null (deleted at dispose).</summary>
    public string? DataDirectory { get; init; }
}
