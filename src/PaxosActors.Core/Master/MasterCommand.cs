namespace PaxosActors.Core;

/// <summary>
/// A bid for a group's master lease, as the log carries it (state machine
/// <see cref="StoredCommand.MasterMachine"/>): <see cref="Node"/> takes or renews the lease for
/// <see cref="LeaseMs"/>, if the master is still at <see cref="ExpectedVersion"/> (a
/// compare-and-set); <see cref="NodeId.None"/> gives the lease up. <see cref="Incarnation"/>
/// and <see cref="StartMs"/> matter only to the bidder: the moment, on its own monotonic clock,
/// it took before proposing, from which its own lease counts. Other nodes count from the moment
/// they learn it, and a restarted bidder (a new incarnation) counts like the others.
/// </summary>
internal sealed record MasterCommand(NodeId Node, long ExpectedVersion, long LeaseMs, long Incarnation, long StartMs)
{
    private const byte Format = 1;

    public byte[] Encode() =>
        new WireWriter(48).Byte(Format).Int32(Node.Value).Int64(ExpectedVersion).Int64(LeaseMs).Int64(Incarnation).Int64(StartMs).ToArray();

    public static MasterCommand Decode(ReadOnlySpan<byte> bytes)
    {
        var r = new WireReader(bytes);
        if (r.Byte() != Format)
        {
            throw new PaxosFormatException("Unknown master command format.");
        }

        var command = new MasterCommand(new NodeId(r.Int32()), r.Int64(), r.Int64(), r.Int64(), r.Int64());
        r.End();
        if (command.Node.Value < 0 || command.ExpectedVersion < 0 || command.LeaseMs < 0 || (command.Node != NodeId.None && command.LeaseMs == 0))
        {
            throw new PaxosFormatException($"Invalid master command {command}.");
        }

        return command;
    }
}
