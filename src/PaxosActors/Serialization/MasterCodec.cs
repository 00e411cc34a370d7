using Google.Protobuf;
using PaxosActors.Core;
using W = PaxosActors.Serialization.Wire;

namespace PaxosActors.Serialization;

/// <summary>The master lease's messages in the Protocol Buffers format (<c>Protos/wire.proto</c>); like the membership's, they have no version-1 layout.</summary>
internal static class MasterCodec
{
    public const string Get = "XG2", Info = "XI2", Is = "XM2", Drop = "XD2";

    public static string? Manifest(object o) => o switch
    {
        GetMaster => Get,
        MasterInfo => Info,
        IsMaster => Is,
        DropMaster => Drop,
        _ => null,
    };

    public static bool Knows(string manifest) => manifest is Get or Info or Is or Drop;

    public static byte[] Encode(object o) => (o switch
    {
        GetMaster or IsMaster or DropMaster => (IMessage)new W.MasterRequest(),
        MasterInfo m => new W.MasterInfo { Group = m.Group, NodeId = m.NodeId, Version = m.Version, LeaseRemainingMs = m.LeaseRemainingMs, IsSelf = m.IsSelf, Disabled = !m.Enabled },
        _ => throw new ArgumentException($"No wire format for {o.GetType().Name}.", nameof(o)),
    }).ToByteArray();

    public static object Decode(byte[] bytes, string manifest)
    {
        if (manifest == Info)
        {
            var m = ProtoMessageCodec.Parse(W.MasterInfo.Parser, bytes);
            return m.NodeId >= 0 && m.Version >= 0
                ? new MasterInfo(m.Group, m.NodeId, m.Version, m.LeaseRemainingMs, m.IsSelf, !m.Disabled)
                : throw new PaxosFormatException($"Invalid master info: node {m.NodeId}, version {m.Version}.");
        }

        ProtoMessageCodec.Parse(W.MasterRequest.Parser, bytes);
        return manifest switch
        {
            Get => GetMaster.Instance,
            Is => IsMaster.Instance,
            Drop => DropMaster.Instance,
            _ => throw new PaxosFormatException($"Unknown manifest '{manifest}'."),
        };
    }
}
