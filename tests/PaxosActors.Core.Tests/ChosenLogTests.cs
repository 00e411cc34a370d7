namespace PaxosActors.Core.Tests;

/// <summary>
/// The chosen log read out of an acceptor's events, where a chosen value this node accepted is
/// stored once: what it resolves, and how lost writes leave gaps that the state agrees with.
/// </summary>
public sealed class ChosenLogTests
{
    private static readonly NodeId P = new(2);
    private static readonly Ballot B1 = new(1, P), B2 = new(2, P);

    [Fact]
    public void A_reference_takes_the_value_of_the_accept_with_its_instance_and_ballot()
    {
        AcceptorEvent[] events =
        [
            new Accepted(0, B1, [1]), new Accepted(0, B2, [2]), new ChosenAccepted(0, B1, 10),
            new InstanceChosen(1, [3], 11),
            new Promised(new Ballot(5, P)), new Accepted(2, B2, [4]), new ChosenAccepted(2, B2, 12),
        ];
        var log = ChosenLog.Read(events).ToList();
        Assert.Equal([2, 3, 6], log.Select(x => x.Position));
        Assert.Equal([(0L, (byte)1, 10UL), (1L, (byte)3, 11UL), (2L, (byte)4, 12UL)], log.Select(x => (x.Chosen.Instance, x.Chosen.Value.Single(), x.Chosen.Checksum)));
    }

    [Fact]
    public void A_reference_whose_accept_was_lost_is_a_gap_until_the_instance_is_written_again()
    {
        // Accepted(1, B2) failed to write while the reference to it landed; the node learned
        // instance 1 again after its restart and wrote it whole, then 2 again.
        AcceptorEvent[] events =
        [
            new InstanceChosen(0, [1], 10),
            new Accepted(1, B1, [7]), new ChosenAccepted(1, B2, 11), new InstanceChosen(2, [3], 12),
            new InstanceChosen(1, [2], 11), new InstanceChosen(2, [3], 12),
        ];
        Assert.Equal([0L], ChosenLog.Values(events[..4]).Select(c => c.Instance));
        Assert.Equal([(0L, (byte)1), (1L, (byte)2), (2L, (byte)3)], ChosenLog.Values(events).Select(c => (c.Instance, c.Value.Single())));
        Assert.Equal([0, 4, 5], ChosenLog.Read(events).Select(x => x.Position));

        // The acceptor's state stops where the log does.
        Assert.Equal(1, Acceptor.Recover(events[..4]).Instance);
        Assert.Equal((3L, 12UL), (Acceptor.Recover(events).Instance, Acceptor.Recover(events).PreviousChecksum));
    }

    [Fact]
    public void A_read_from_a_later_instance_skips_what_comes_before_it()
    {
        AcceptorEvent[] events =
        [
            new Accepted(5, B1, [5]), new ChosenAccepted(5, B1, 50),
            new Accepted(6, B1, [6]), new ChosenAccepted(6, B1, 60),
            new InstanceChosen(7, [7], 70),
        ];
        Assert.Equal([6L, 7L], ChosenLog.Values(events, from: 6).Select(c => c.Instance));
        Assert.Equal([5L, 6L, 7L], ChosenLog.Values(events, from: 5).Select(c => c.Instance));
        Assert.Empty(ChosenLog.Values(events));
    }

    [Fact]
    public void An_accept_for_an_instance_already_chosen_does_not_resolve_a_later_reference()
    {
        // A stale accept of instance 0 arriving after 0 was chosen cannot stand in for instance 1.
        AcceptorEvent[] events = [new InstanceChosen(0, [1], 10), new Accepted(0, B1, [9]), new ChosenAccepted(1, B1, 11)];
        Assert.Equal([0L], ChosenLog.Values(events).Select(c => c.Instance));
    }

    [Fact]
    public void Fed_one_event_at_a_time_it_completes_each_instance_at_its_record()
    {
        var log = new ChosenLog();
        Assert.Null(log.Add(new Accepted(0, B1, [1])));
        Assert.Null(log.Add(new Promised(B2)));
        Assert.Equal(0, log.Next);
        Assert.Equal([1], log.Add(new ChosenAccepted(0, B1, 10))!.Value);
        Assert.Equal(1, log.Next);

        // Instance 0's accept is forgotten once 0 is chosen: a late reference to it resolves nothing.
        Assert.Null(log.Add(new ChosenAccepted(1, B1, 11)));
        Assert.Null(log.Add(new Accepted(0, B1, [1])));
        Assert.Null(log.Add(new ChosenAccepted(0, B1, 10)));
        Assert.Equal([7], log.Add(new InstanceChosen(1, [7], 11))!.Value);
        Assert.Equal(2, new ChosenLog(2).Next);
    }

    [Fact]
    public void Only_chosen_records_name_an_instance()
    {
        Assert.Equal(3, ChosenLog.ChosenInstance(new InstanceChosen(3, [1], 1)));
        Assert.Equal(4, ChosenLog.ChosenInstance(new ChosenAccepted(4, B1, 1)));
        Assert.Null(ChosenLog.ChosenInstance(new Accepted(4, B1, [1])));
        Assert.Null(ChosenLog.ChosenInstance(new Promised(B1)));
    }

    [Fact]
    public void The_state_advances_on_a_reference_only_to_the_value_accepted_last()
    {
        var accepted = AcceptorState.Initial.Apply(new Accepted(0, B2, [2]));
        Assert.Same(accepted, accepted.Apply(new ChosenAccepted(0, B1, 10)));
        Assert.Same(accepted, accepted.Apply(new ChosenAccepted(1, B2, 10)));
        Assert.Same(AcceptorState.Initial, AcceptorState.Initial.Apply(new ChosenAccepted(0, Ballot.Zero, 10)));
        var next = accepted.Apply(new ChosenAccepted(0, B2, 10));
        Assert.Equal(AcceptorState.Initial with { Instance = 1, Promised = B2, PreviousChecksum = 10 }, next);
    }

    [Fact]
    public void It_holds_only_the_accepted_values_of_instances_not_yet_chosen()
    {
        var log = new ChosenLog();
        log.Add(new Accepted(0, B1, [1]));
        log.Add(new Accepted(0, B2, [2]));
        log.Add(new Accepted(1, B1, [3]));
        log.Add(new Accepted(2, B1, [4]));
        Assert.Equal(4, log.Held);

        Assert.NotNull(log.Add(new ChosenAccepted(0, B2, 10)));
        Assert.Equal(2, log.Held);
        Assert.NotNull(log.Add(new InstanceChosen(1, [3], 11)));
        Assert.Equal(1, log.Held);

        // An accept for an instance already chosen is not held at all.
        log.Add(new Accepted(1, B2, [5]));
        Assert.Equal(1, log.Held);
    }
}
