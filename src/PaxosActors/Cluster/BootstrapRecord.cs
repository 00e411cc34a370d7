using System.Text;
using System.Text.Json;
using Akka.Actor;
using PaxosActors.Core;

namespace PaxosActors.Cluster;

/// <summary>
/// What an Akka.Cluster bootstrap decided: the cluster id Paxos chose and the first members of
/// every group, by node id, at their addresses then. Kept in each node's journal; travels as
/// UTF-8 JSON (in the bootstrap group's log, and to members that ask for it).
/// </summary>
public sealed record BootstrapRecord(string ClusterId, IReadOnlyList<BootstrapMember> Members)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The members' ids, in order.</summary>
    public IReadOnlyList<NodeId> Ids => [.. Members.Select(m => new NodeId(m.NodeId))];

    /// <summary>The same members, whatever the cluster id.</summary>
    public bool SameMembers(BootstrapRecord other) => Members.SequenceEqual(other.Members);

    public bool Equals(BootstrapRecord? other) => other is not null && ClusterId == other.ClusterId && SameMembers(other);

    public override int GetHashCode() => HashCode.Combine(ClusterId, Members.Count);

    public byte[] Encode() => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this, Json));

    /// <summary>Decodes and checks a record: ids above 0 and distinct, addresses that parse, a cluster id of 1 to 64 characters.</summary>
    public static BootstrapRecord Decode(byte[] bytes)
    {
        BootstrapRecord? record;
        try
        {
            record = JsonSerializer.Deserialize<BootstrapRecord>(bytes, Json);
        }
        catch (JsonException e)
        {
            throw new PaxosFormatException($"Not a bootstrap record: {e.Message}");
        }

        if (record is null || record.ClusterId is not { Length: > 0 and <= 64 } || record.Members is not { Count: > 0 }
            || record.Members.Any(m => m.NodeId < 1 || !Address.TryParse(m.Address, out _))
            || record.Members.Select(m => m.NodeId).Distinct().Count() != record.Members.Count)
        {
            throw new PaxosFormatException("A bootstrap record needs a cluster id of 1 to 64 characters and members with distinct ids above 0 at Akka addresses.");
        }

        return record;
    }

    public override string ToString() => $"cluster '{ClusterId}': {string.Join(", ", Members.Select(m => $"{m.NodeId} at {m.Address}"))}";
}

/// <summary>One first member of the groups.</summary>
public sealed record BootstrapMember(int NodeId, string Address);

/// <summary>
/// The state machine of the bootstrap group: the first claim chosen wins, and every claim is
/// answered with the winner. Its log is the bootstrap's: candidates that race each propose a
/// claim with a cluster id of their own, and Paxos picks one.
/// </summary>
internal sealed class BootstrapMachine : IStateMachine
{
    private byte[]? _winner;

    public int Id => 1;

    public object? Execute(long instance, object command)
    {
        if (command is not byte[] claim)
        {
            throw new ArgumentException("A bootstrap claim is an encoded BootstrapRecord.", nameof(command));
        }

        _winner ??= claim;
        return _winner;
    }
}
