namespace PaxosActors.Core.Tests;

/// <summary>
/// The value format (every version still read), its range checks, and the execution plan the
/// learner derives from a value. Written against the mutation run (docs/testing.md).
/// </summary>
public sealed class ProposalValueTests
{
    private static readonly NodeId A = new(1), B = new(2);

    private static StoredCommand Command(NodeId origin, long session, long sequence, long floor, int machine = 7) =>
        new(origin, session, sequence, floor, machine, 3, "manifest-é", [1, 2, 3]);

    [Fact]
    public void A_value_round_trips_every_field_of_every_command()
    {
        var value = new ProposalValue(B, [Command(A, 5, 9, 4), Command(B, 6, 2, 2, machine: StoredCommand.FenceMachine) with { Payload = [] }]);
        var bytes = value.Encode();
        var decoded = ProposalValue.Decode(bytes);
        Assert.Equal(B, decoded.Proposer);
        Assert.Equal(2, decoded.Commands.Count);
        for (var i = 0; i < 2; i++)
        {
            var (x, y) = (value.Commands[i], decoded.Commands[i]);
            Assert.Equal((x.Origin, x.Session, x.Sequence, x.Floor, x.StateMachineId, x.SerializerId, x.Manifest), (y.Origin, y.Session, y.Sequence, y.Floor, y.StateMachineId, y.SerializerId, y.Manifest));
            Assert.Equal(x.Payload, y.Payload);
        }

        Assert.True(decoded.Commands[1].IsFence);
        Assert.False(decoded.Commands[0].IsFence);
        Assert.Equal(B, ProposalValue.ProposerOf(bytes));
    }

    [Fact]
    public void The_proposer_is_read_from_the_first_five_bytes_of_every_version_or_not_at_all()
    {
        Assert.Equal(A, ProposalValue.ProposerOf([1, 1, 0, 0, 0]));
        Assert.Equal(A, ProposalValue.ProposerOf([2, 1, 0, 0, 0]));
        Assert.Equal(A, ProposalValue.ProposerOf([3, 1, 0, 0, 0, 9]));
        Assert.Null(ProposalValue.ProposerOf([3, 1, 0, 0]));
        Assert.Equal(A, ProposalValue.ProposerOf([4, 1, 0, 0, 0]));
        Assert.Null(ProposalValue.ProposerOf([5, 1, 0, 0, 0]));
        Assert.Null(ProposalValue.ProposerOf([0, 1, 0, 0, 0]));
        Assert.Null(ProposalValue.ProposerOf([3, 0, 0, 0, 0]));
        Assert.Null(ProposalValue.ProposerOf([3, 0xff, 0xff, 0xff, 0xff]));
    }

    [Fact]
    public void Version_1_values_carry_one_origin_and_session_and_no_floor()
    {
        var bytes = new WireWriter().Byte(1).Int32(2).Int64(8).Int32(2)
            .Int64(5).Int32(7).Int32(3).String("m").Bytes([9])
            .Int64(6).Int32(7).Int32(3).String("n").Bytes([])
            .ToArray();
        var decoded = ProposalValue.Decode(bytes);
        Assert.Equal(B, decoded.Proposer);
        Assert.Equal([(B, 8L, 5L, StoredCommand.LegacyFloor), (B, 8L, 6L, StoredCommand.LegacyFloor)], decoded.Commands.Select(c => (c.Origin, c.Session, c.Sequence, c.Floor)));
        Assert.Equal(("m", 9), (decoded.Commands[0].Manifest, (int)decoded.Commands[0].Payload[0]));
    }

    [Fact]
    public void Version_2_values_carry_an_origin_per_command_and_no_floor()
    {
        var bytes = new WireWriter().Byte(2).Int32(2).Int32(1)
            .Int32(1).Int64(-4).Int64(0).Int32(7).Int32(3).String("m").Bytes([9])
            .ToArray();
        var command = Assert.Single(ProposalValue.Decode(bytes).Commands);
        Assert.Equal((A, -4L, 0L, StoredCommand.LegacyFloor, 7, 3), (command.Origin, command.Session, command.Sequence, command.Floor, command.StateMachineId, command.SerializerId));
    }

    [Theory]
    [InlineData(0, 1, 1, 1, 1)]
    [InlineData(-1, 1, 1, 1, 1)]
    [InlineData(1, 0, 1, 1, 1)]
    [InlineData(1, 1, 0, 1, 1)]
    [InlineData(1, 1, 1, 0, 1)]
    [InlineData(1, 1, 2, 3, 1)]
    public void A_version_3_command_out_of_range_does_not_decode(int origin, long session, long sequence, long floor, int proposer)
    {
        var bytes = new ProposalValue(new NodeId(proposer), [Command(new NodeId(origin), session, sequence, floor)]).Encode();
        Assert.Throws<PaxosFormatException>(() => ProposalValue.Decode(bytes));
    }

    [Fact]
    public void The_smallest_valid_version_3_command_decodes()
    {
        var bytes = new ProposalValue(A, [Command(A, 1, 1, 1), Command(A, 1, 5, 5)]).Encode();
        Assert.Equal(2, ProposalValue.Decode(bytes).Commands.Count);
    }

    [Fact]
    public void Unknown_versions_bad_counts_origins_and_trailing_bytes_do_not_decode()
    {
        Assert.Throws<PaxosFormatException>(() => ProposalValue.Decode([0, 1, 0, 0, 0, 0, 0, 0, 0]));
        Assert.Throws<PaxosFormatException>(() => ProposalValue.Decode([4, 1, 0, 0, 0, 0, 0, 0, 0]));
        Assert.Throws<PaxosFormatException>(() => ProposalValue.Decode(new WireWriter().Byte(3).Int32(1).Int32(-1).ToArray()));
        Assert.Throws<PaxosFormatException>(() => ProposalValue.Decode(new WireWriter().Byte(3).Int32(1).Int32(10).ToArray()));
        Assert.Empty(ProposalValue.Decode(new WireWriter().Byte(3).Int32(1).Int32(0).ToArray()).Commands);
        Assert.Throws<PaxosFormatException>(() => ProposalValue.Decode(new WireWriter().Byte(2).Int32(1).Int32(1).Int32(0).Int64(1).Int64(1).Int32(1).Int32(1).String("").Bytes([]).ToArray()));
        Assert.Throws<PaxosFormatException>(() => ProposalValue.Decode([.. new ProposalValue(A, []).Encode(), 0]));
    }

    [Fact]
    public void A_count_as_large_as_the_value_is_read_as_far_as_the_bytes_go()
    {
        // count == length passes the count check and fails only when the commands run out.
        var bytes = new WireWriter().Byte(3).Int32(1).Int32(9).ToArray();
        var e = Assert.Throws<PaxosFormatException>(() => ProposalValue.Decode(bytes));
        Assert.Contains("Truncated", e.Message);
    }
}

/// <summary>The learner's plan for one value: run or skip each command, and the floors this node's proposer hears of.</summary>
public sealed class ExecutionPlanTests
{
    private static readonly NodeId A = new(1), B = new(2);

    private static StoredCommand Command(NodeId origin, long sequence, long floor) => new(origin, 1, sequence, floor, 1, 0, string.Empty, []);

    [Fact]
    public void Each_command_runs_or_is_skipped_by_its_index_and_only_this_nodes_raised_floors_are_told()
    {
        var filter = new DuplicateFilter();
        var value = new ProposalValue(A, [Command(A, 1, 1), Command(B, 3, 3), Command(A, 4, 3), Command(A, 1, 1)]).Encode();
        var steps = ExecutionPlan.For(filter, A, value);
        Assert.Equal(
            [
                new RunStep(0, Command(A, 1, 1)).ToString(),
                new RunStep(1, Command(B, 3, 3)).ToString(),
                new FloorStep(1, 3).ToString(),
                new RunStep(2, Command(A, 4, 3)).ToString(),
                new SkipStep(3, Command(A, 1, 1), AdmitVerdict.Duplicate).ToString(),
            ],
            steps.Select(Describe));
    }

    [Fact]
    public void A_value_that_does_not_decode_is_a_format_error()
    {
        Assert.Throws<PaxosFormatException>(() => ExecutionPlan.For(new DuplicateFilter(), A, [9, 9]));
    }

    private static string Describe(ExecutionStep step) => step switch
    {
        RunStep r => new RunStep(r.Index, r.Command with { Payload = [] }).ToString(),
        SkipStep s => new SkipStep(s.Index, s.Command with { Payload = [] }, s.Why).ToString(),
        _ => step.ToString(),
    };
}
