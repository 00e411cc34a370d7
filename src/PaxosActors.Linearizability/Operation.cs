namespace PaxosActors.Linearizability;

/// <summary>What a client asked of one key.</summary>
public enum OpKind
{
    Get,
    Put,
    Append,
    Cas,
    Delete,
}

/// <summary>
/// One client operation on one key. <see cref="Return"/> is null when the outcome is unknown:
/// a write may then take effect at any time after <see cref="Call"/>, or never.
/// </summary>
public sealed record Operation(
    int Client,
    OpKind Kind,
    string Key,
    string? Value,
    string? Expected,
    string? Output,
    bool Ok,
    long Call,
    long? Return);
