using Akka.Actor;
using PaxosActors.Core;
using PaxosActors.Messages;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Actors;

/// <summary>
/// A chosen value whose chained checksum does not match halts that group on this node, with
/// GroupHalted for its callers, while the node's other groups keep running.
/// </summary>
public sealed class DivergenceTests(ITestOutputHelper output)
    : JournalTestKit(output, SingleNodeGroup + "\npaxos-actors.groups.other.members = [1]\npaxos-actors.cluster-id = paxos")
{
    [Fact]
    public async Task A_checksum_mismatch_halts_only_its_group_and_the_process_goes_on()
    {
        var paxos = PaxosExtension.Get(Sys);
        var diverging = await paxos.StartGroupAsync("g", new RecordingStateMachine());
        var healthy = await paxos.StartGroupAsync("other", new RecordingStateMachine());
        Assert.IsType<ProposeResult>(await diverging.Ask<object>(new Propose("x"), TimeSpan.FromSeconds(5)));

        await EventFilter.Error(contains: "HALTED").ExpectOneAsync(async () =>
        {
            // From a local actor: node 1 is this node, and a message without a sender is dropped.
            diverging.Tell(new PaxosEnvelope("g", new ValueChosen(1, new NodeId(1), [1, 2, 3], 0xBAD)) { ClusterId = "paxos" }, TestActor);
            await AwaitAssertAsync(async () =>
            {
                var status = await diverging.Ask<GroupStatus>(GetGroupStatus.Instance, TimeSpan.FromSeconds(5));
                Assert.True(status.Halted);
                Assert.Contains("diverged", status.HaltReason);
            }, TimeSpan.FromSeconds(10));
        });

        var refused = await diverging.Ask<ProposeFailed>(new Propose("y"), TimeSpan.FromSeconds(5));
        Assert.Equal(ProposeFailureReason.GroupHalted, refused.Reason);
        Assert.IsType<ProposeResult>(await healthy.Ask<object>(new Propose("z"), TimeSpan.FromSeconds(5)));
    }
}
