using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using PaxosActors.Actors;

namespace PaxosActors.Cluster;

/// <summary>auto-add and auto-remove: the groups' members follow the cluster's, one change at a time.</summary>
internal sealed partial class ClusterBootstrapActor
{
    // Members removed from the cluster, still to be removed from the groups that have them.
    private readonly HashSet<Address> _removed = [];
    private bool _reconciling;

    /// <summary>
    /// On the oldest Up member among the first members: adds an Up member a group lacks (or has at
    /// another address), or removes a member the cluster removed. One change per tick at most.
    /// </summary>
    private void Reconcile()
    {
        if (!(Options.AutoAdd || Options.AutoRemove) || _reconciling || _record is null)
        {
            return;
        }

        foreach (var address in _up.Keys.Where(a => !_ids.ContainsKey(a) && _asking.Add(a)))
        {
            Guardian(Context.System, address, _settings).Ask<NodeGroups>(GetNodeGroups.Instance, AskTimeout)
                .ContinueWith(t => new NodeIdOf(address, t.IsCompletedSuccessfully ? t.Result.NodeId : 0), TaskScheduler.Default)
                .PipeTo(Self);
        }

        var first = _record.Members.Select(m => m.NodeId).ToHashSet();
        var manager = _up.Values.OrderBy(m => m, Member.AgeOrdering).FirstOrDefault(m => _ids.TryGetValue(m.Address, out var id) && first.Contains(id));
        if (manager?.Address != _cluster.SelfAddress)
        {
            return;
        }

        // A node that came back at a new address may still be Up at the old one for a while (until
        // it is downed): its youngest incarnation is the one the groups should reach.
        var up = _up.Values.Where(m => _ids.ContainsKey(m.Address))
            .GroupBy(m => _ids[m.Address])
            .ToDictionary(g => g.OrderBy(m => m, Member.AgeOrdering).Last().Address, g => g.Key);
        var groups = _settings.Groups.Keys.ToList();
        _reconciling = true;
        ReconcileAsync(Context.System, _settings, groups, Options.AutoAdd ? up : [], Options.AutoRemove ? [.. _removed] : []).PipeTo(Self);
    }

    private static async Task<ReconcileDone> ReconcileAsync(ActorSystem system, PaxosSettings settings, IReadOnlyList<string> groups, IReadOnlyDictionary<Address, int> up, IReadOnlyList<Address> removed)
    {
        var timeout = settings.Membership.CatchUpTimeout + TimeSpan.FromSeconds(10);
        foreach (var name in groups)
        {
            IActorRef group;
            GroupMembership members;
            try
            {
                group = await system.ActorSelection($"{PaxosGuardian.Path}/{PeerRouter.GroupActorName(name)}").ResolveOne(AskTimeout).ConfigureAwait(false);
                members = await group.Ask<GroupMembership>(GetMembership.Instance, AskTimeout).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ActorNotFoundException or AskTimeoutException)
            {
                continue;
            }

            foreach (var (address, id) in up)
            {
                var entry = members.Members.FirstOrDefault(e => e.NodeId == id);
                if (entry is null || entry.Address != address.ToString())
                {
                    var reply = await group.Ask<MemberChangeReply>(new AddMember(id, address.ToString(), members.Version), timeout).ConfigureAwait(false);
                    return new ReconcileDone($"group {name}: {(entry is null ? "added" : "moved")} node {id} at {address}", reply, []);
                }
            }

            foreach (var address in removed)
            {
                // Never below the bootstrap's size: a group of 3 that loses one keeps it as a
                // member (down, but counted), so a second loss still leaves no majority to anyone else.
                if (members.Members.FirstOrDefault(e => e.Address == address.ToString()) is { } gone && !up.Values.Contains(gone.NodeId)
                    && members.Members.Count(e => e.Voting) - (gone.Voting ? 1 : 0) >= settings.Cluster.BootstrapMembers)
                {
                    var reply = await group.Ask<MemberChangeReply>(new RemoveMember(gone.NodeId, members.Version), timeout).ConfigureAwait(false);
                    return new ReconcileDone($"group {name}: removed node {gone.NodeId}, which left the cluster from {address}", reply, []);
                }
            }
        }

        // Nothing left to change: the removed members are in no group.
        return new ReconcileDone(null, null, removed);
    }

    private void OnReconciled(ReconcileDone d)
    {
        _reconciling = false;
        _removed.ExceptWith(d.Settled);
        switch (d.Reply)
        {
            case MemberChangeSucceeded s:
                _log.Info("Paxos cluster: {0} (membership version {1})", d.Change, s.Membership.Version);
                break;
            case MemberChangeFailed f:
                _log.Warning("Paxos cluster: {0} failed: {1}: {2}", d.Change, f.Reason, f.Message);
                break;
        }
    }
}

/// <summary>What a reconcile pass did (<see cref="Change"/> null: nothing), and the removed members it found in no group.</summary>
internal sealed record ReconcileDone(string? Change, MemberChangeReply? Reply, IReadOnlyList<Address> Settled);
