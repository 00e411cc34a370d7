using PaxosActors.Core;
using PaxosActors.Messages;

namespace PaxosActors.Tests.Serialization;

/// <summary>
/// Messages and events printed for comparison: records holding arrays compare by reference, so
/// their bytes are printed in hex.
/// </summary>
internal static class Printable
{
    public static string Of(object o) => o switch
    {
        PaxosEnvelope e => $"{e.ClusterId}/{e.Group}/{Of(e.Message)}",
        PrepareReply r => (r with { AcceptedValue = null }) + Hex(r.AcceptedValue),
        Accept a => (a with { Value = [] }) + Hex(a.Value),
        ValueChosen v => (v with { Value = [] }) + Hex(v.Value),
        CheckpointChunk c => (c with { Data = [] }) + Hex(c.Data),
        Accepted a => (a with { Value = [] }) + Hex(a.Value),
        InstanceChosen c => (c with { Value = [] }) + Hex(c.Value),
        ForwardedCommands f => $"{f.ClusterId}/{f.Group}/{f.From}/{Hex(f.Value)}",
        ForwardRefused f => $"{f.ClusterId}/{f.Group}/{f.From}/{f.Session}/{f.Reason}/{f.Message}/{string.Join(",", f.Sequences)}",
        NodeGroups g => $"{g.NodeId}/{string.Join(",", g.Groups)}",
        _ => o.ToString()!,
    };

    private static string Hex(byte[]? b) => b is null ? "null" : Convert.ToHexString(b);
}
