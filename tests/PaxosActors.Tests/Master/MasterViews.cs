using Akka.Actor;
using PaxosActors.TestKit;

namespace PaxosActors.Tests.Master;

/// <summary>What the nodes of a test cluster take for a group's master.</summary>
internal static class MasterViews
{
    /// <summary>
    /// Waits until <paramref name="among"/> (the running nodes by default) all see the same master
    /// at the same version, one that <paramref name="wanted"/> accepts, and that master holds the
    /// lease itself; returns their views.
    /// </summary>
    public static async Task<MasterInfo[]> AgreedAsync(PaxosTestCluster cluster, Func<int, bool> wanted, TimeSpan ceiling, IEnumerable<int>? among = null)
    {
        var nodes = (among ?? cluster.Running).ToList();
        MasterInfo[] views = [];
        await Eventually.HoldsAsync(
            async () =>
            {
                views = await Task.WhenAll(nodes.Select(n => cluster.Group(n).Ask<MasterInfo>(GetMaster.Instance, ceiling)));
                return views.All(v => v.NodeId == views[0].NodeId && v.Version == views[0].Version && wanted(v.NodeId)) && views.Any(v => v.IsSelf);
            },
            ceiling,
            () => $"one master everywhere; have {string.Join("; ", views.Select(v => v.ToString()))}");
        return views;
    }
}
