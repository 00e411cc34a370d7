using Akka.Actor;
using Akka.Event;
using PaxosActors.Core;

namespace PaxosActors.Actors;

/// <summary>The group's membership: what the log says, the address book it gives, and the changes clients ask for.</summary>
internal sealed partial class GroupActor
{
    /// <summary>The learner applied <paramref name="state"/>: peers are reached (and checked) at its addresses from now on.</summary>
    private void UseMembership(SystemState state)
    {
        var before = _system;
        _system = state;
        _router.Update(PeerRouter.Overlay(_settings.Nodes, state));
        var self = _settings.NodeId;
        var here = state.Nodes.GetValueOrDefault(self);
        if (here?.Address is not null && _settings.Nodes.TryGetValue(self, out var mine) && here.Address != mine.ToString() && before.Nodes.GetValueOrDefault(self)?.Address != here.Address)
        {
            // The node moved: its peers know it by the log's address and drop what it sends from
            // the new one until the log has it (stable identity: the id stays, the address is data).
            _log.Warning(
                "Group {0}: the log has node {1} at {2}, but it runs at {3}; peers drop its messages until a member runs AddMember({1}, \"{3}\") to record the new address",
                _group.Name,
                self,
                here.Address,
                mine);
        }

        var wasVoter = before.Nodes.GetValueOrDefault(self)?.Voting == true;
        if (state.Version > 0 && here is null && (wasVoter || _configured.Contains(self)) && state.Version != before.Version)
        {
            _log.Warning("Group {0}: the log (membership version {1}) no longer has node {2}; it does not vote, and its configured membership is only where the log began", _group.Name, state.Version, self);
        }
    }

    /// <summary>Starts a runner for a client's membership change: it proposes the steps and answers the client.</summary>
    private void ChangeMembers(object request)
    {
        if (_halted is not null || IsFollower || _proposer.IsNobody())
        {
            var why = _halted is not null
                ? $"The group is halted on this node: {_halted}"
                : $"Node {_settings.NodeId.Value} follows group {_group.Name} and does not vote; send the change to a voting member.";
            Sender.Tell(new MemberChangeFailed(_halted is not null ? MemberChangeFailureReason.ProposeFailed : MemberChangeFailureReason.NotMember, why));
            return;
        }

        Context.ActorOf(MemberChangeActor.Props(_group.Name, request, Sender, _proposer, _settings.Membership, _router));
    }
}
