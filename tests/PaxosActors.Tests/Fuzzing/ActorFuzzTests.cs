using Akka.Actor;
using CsCheck;
using PaxosActors.Core;
using PaxosActors.Messages;
using PaxosActors.Tests.Actors;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Fuzzing;

/// <summary>
/// 100,000 decoded junk envelopes (from non-members, other groups, other clusters) into a
/// running GroupActor: no actor throws, nothing is learned from them, and the group still
/// serves proposals afterwards.
/// </summary>
public sealed class ActorFuzzTests(ITestOutputHelper output) : JournalTestKit(output, SingleNodeGroup)
{
    [Fact]
    public async Task Junk_envelopes_change_nothing_and_crash_nothing()
    {
        var machine = new RecordingStateMachine();
        var group = await PaxosExtension.Get(Sys).StartGroupAsync("g", machine);
        Assert.IsType<ProposeResult>(await group.Ask<object>(new Propose("before"), TimeSpan.FromSeconds(5)));
        var before = await group.Ask<GroupStatus>(GetGroupStatus.Instance, TimeSpan.FromSeconds(5));

        var junk = Gen.Select(Gen.Int[0, 3], Gen.Int[2, 1000], Gen.Long[-5, 1000], Gen.Byte.Array[0, 16], (kind, from, instance, value) =>
        {
            var node = new NodeId(from);
            PaxosMessage message = kind switch
            {
                0 => new Prepare(instance, node, new Ballot(instance, node)),
                1 => new Accept(instance, node, new Ballot(instance, node), value, (ulong)instance),
                2 => new ValueChosen(instance, node, value, (ulong)value.Length),
                _ => new PrepareReply(instance, node, new Ballot(1, node), true, Ballot.Zero, Ballot.Zero, value),
            };
            return (from % 3) switch
            {
                0 => new PaxosEnvelope("g", message) { ClusterId = "paxos" },
                1 => new PaxosEnvelope("other", message with { From = new NodeId(1) }) { ClusterId = "paxos" },
                _ => new PaxosEnvelope("g", message with { From = new NodeId(1) }) { ClusterId = "elsewhere" },
            };
        });

        await EventFilter.Exception<Exception>().ExpectAsync(0, async () =>
        {
            junk.Sample(e => group.Tell(e), iter: 100_000, threads: 1);
            var after = await group.Ask<GroupStatus>(GetGroupStatus.Instance, TimeSpan.FromSeconds(30));
            Assert.Equal(before, after);
        });

        Assert.IsType<ProposeResult>(await group.Ask<object>(new Propose("after"), TimeSpan.FromSeconds(5)));
        Assert.Equal(["before", "after"], machine.Log.Select(e => e.Command));
    }
}
