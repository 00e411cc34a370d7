namespace PaxosActors.Linearizability;

/// <summary>
/// The sequential specification of one key. Absent reads as null, and a get that returned ""
/// also matches an absent key (the Porcupine histories write it that way).
/// </summary>
internal static class KvModel
{
    /// <summary>Whether <paramref name="op"/> can take effect on <paramref name="state"/>, and the state after it.</summary>
    public static bool Step(string? state, Operation op, out string? next)
    {
        next = state;
        switch (op.Kind)
        {
            case OpKind.Get:
                return Same(state, op.Output);
            case OpKind.Put:
                next = op.Value;
                return true;
            case OpKind.Append:
                next = (state ?? string.Empty) + op.Value;
                return true;
            case OpKind.Delete:
                next = null;
                return true;
            case OpKind.Cas when op.Return is null || op.Ok:
                // A cas of unknown outcome is tried as a success; "it never happened" covers the rest.
                if (!Same(state, op.Expected))
                {
                    return false;
                }

                next = op.Value;
                return true;
            case OpKind.Cas:
                return !Same(state, op.Expected);
            default:
                return false;
        }
    }

    private static bool Same(string? state, string? expected) =>
        state == expected || (string.IsNullOrEmpty(state) && string.IsNullOrEmpty(expected));
}
