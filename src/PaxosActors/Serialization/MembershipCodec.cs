using Google.Protobuf;
using PaxosActors.Core;
using W = PaxosActors.Serialization.Wire;

namespace PaxosActors.Serialization;

/// <summary>
/// The membership messages in the Protocol Buffers format (<c>Protos/wire.proto</c>). They have
/// no version-1 layout: every node that knows them reads this one.
/// </summary>
internal static class MembershipCodec
{
    public const string Add = "MA2", Remove = "MR2", Change = "MC2", Get = "MG2", Membership = "MS2", Succeeded = "MK2", Failed = "MF2";

    public static string? Manifest(object o) => o switch
    {
        AddMember => Add,
        RemoveMember => Remove,
        ChangeMember => Change,
        GetMembership => Get,
        GroupMembership => Membership,
        MemberChangeSucceeded => Succeeded,
        MemberChangeFailed => Failed,
        _ => null,
    };

    public static bool Knows(string manifest) => manifest is Add or Remove or Change or Get or Membership or Succeeded or Failed;

    public static byte[] Encode(object o)
    {
        IMessage message = o switch
        {
            AddMember a => WithVersion(new W.AddMember { NodeId = a.NodeId, Address = a.Address }, a.ExpectedVersion, (m, v) => m.ExpectedVersion = v),
            RemoveMember r => WithVersion(new W.RemoveMember { NodeId = r.NodeId }, r.ExpectedVersion, (m, v) => m.ExpectedVersion = v),
            ChangeMember c => WithVersion(new W.ChangeMember { OldNodeId = c.OldNodeId, NewNodeId = c.NewNodeId, NewAddress = c.NewAddress }, c.ExpectedVersion, (m, v) => m.ExpectedVersion = v),
            GetMembership => new W.GetMembership(),
            GroupMembership g => MembershipOf(g),
            MemberChangeSucceeded s => new W.MemberChangeSucceeded { InstanceId = s.InstanceId, Membership = MembershipOf(s.Membership) },
            MemberChangeFailed f => new W.MemberChangeFailed { Reason = (int)f.Reason, Message = f.Message, OutcomeUnknown = f.OutcomeUnknown },
            _ => throw new ArgumentException($"No wire format for {o.GetType().Name}.", nameof(o)),
        };
        return message.ToByteArray();
    }

    public static object Decode(byte[] bytes, string manifest)
    {
        switch (manifest)
        {
            case Add:
                var add = ProtoMessageCodec.Parse(W.AddMember.Parser, bytes);
                return new AddMember(add.NodeId, add.Address, add.HasExpectedVersion ? add.ExpectedVersion : null);
            case Remove:
                var remove = ProtoMessageCodec.Parse(W.RemoveMember.Parser, bytes);
                return new RemoveMember(remove.NodeId, remove.HasExpectedVersion ? remove.ExpectedVersion : null);
            case Change:
                var change = ProtoMessageCodec.Parse(W.ChangeMember.Parser, bytes);
                return new ChangeMember(change.OldNodeId, change.NewNodeId, change.NewAddress, change.HasExpectedVersion ? change.ExpectedVersion : null);
            case Get:
                ProtoMessageCodec.Parse(W.GetMembership.Parser, bytes);
                return GetMembership.Instance;
            case Membership:
                return MembershipFrom(ProtoMessageCodec.Parse(W.GroupMembership.Parser, bytes));
            case Succeeded:
                var succeeded = ProtoMessageCodec.Parse(W.MemberChangeSucceeded.Parser, bytes);
                return new MemberChangeSucceeded(succeeded.InstanceId, MembershipFrom(succeeded.Membership ?? throw new PaxosFormatException("A succeeded change carries the membership.")));
            case Failed:
                var failed = ProtoMessageCodec.Parse(W.MemberChangeFailed.Parser, bytes);
                var reason = (MemberChangeFailureReason)failed.Reason;
                return Enum.IsDefined(reason)
                    ? new MemberChangeFailed(reason, failed.Message, failed.OutcomeUnknown)
                    : throw new PaxosFormatException($"Unknown membership change failure {failed.Reason}.");
            default:
                throw new PaxosFormatException($"Unknown manifest '{manifest}'.");
        }
    }

    private static T WithVersion<T>(T message, long? version, Action<T, long> set)
    {
        if (version is { } v)
        {
            set(message, v);
        }

        return message;
    }

    private static W.GroupMembership MembershipOf(GroupMembership g)
    {
        var wire = new W.GroupMembership { Group = g.Group, Version = g.Version };
        wire.Members.AddRange(g.Members.Select(m => new W.MemberEntry { NodeId = m.NodeId, Address = m.Address, Voting = m.Voting }));
        return wire;
    }

    private static GroupMembership MembershipFrom(W.GroupMembership g)
    {
        if (g.Version < 0 || g.Members.Any(m => m.NodeId <= 0) || g.Members.Select(m => m.NodeId).Distinct().Count() != g.Members.Count)
        {
            throw new PaxosFormatException($"Invalid membership: version {g.Version}, node ids [{string.Join(", ", g.Members.Select(m => m.NodeId))}].");
        }

        return new GroupMembership(g.Group, g.Version, [.. g.Members.Select(m => new MemberEntry(m.NodeId, m.Address, m.Voting))]);
    }
}
