namespace PaxosActors.Core;

/// <summary>
/// The checkpoint section of the group's own state machines (<see cref="CheckpointFormat.SystemSection"/>):
/// the membership, then the master lease's state.
/// </summary>
internal static class SystemSnapshot
{
    private const byte Format = 1;

    public static byte[] Encode(SystemState members, MasterState master) =>
        new WireWriter(256).Byte(Format).Bytes(members.Encode()).Bytes(master.Encode()).ToArray();

    public static (SystemState Members, MasterState Master) Decode(ReadOnlySpan<byte> bytes)
    {
        var r = new WireReader(bytes);
        if (r.Byte() != Format)
        {
            throw new PaxosFormatException("Unknown system section format.");
        }

        var members = SystemState.Decode(r.Bytes());
        var master = MasterState.Decode(r.Bytes());
        r.End();
        return (members, master);
    }
}
