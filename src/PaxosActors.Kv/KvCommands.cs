namespace PaxosActors.Kv;

/// <summary>A command of the replicated KV store; every one, reads included, goes through the log.</summary>
public interface IKvCommand
{
    string Key { get; }
}

/// <summary>Reads a key. Going through the log makes the read linearizable.</summary>
public sealed record KvGet(string Key) : IKvCommand;

/// <summary>Sets a key.</summary>
public sealed record KvPut(string Key, string Value) : IKvCommand;

/// <summary>Removes a key.</summary>
public sealed record KvDelete(string Key) : IKvCommand;

/// <summary>Appends to a key's value (an absent key counts as empty).</summary>
public sealed record KvAppend(string Key, string Value) : IKvCommand;

/// <summary>Sets the key to <see cref="Value"/> only if it now holds <see cref="Expected"/> (null: absent).</summary>
public sealed record KvCas(string Key, string? Expected, string Value) : IKvCommand;

/// <summary>
/// The outcome of a KV command: <see cref="Ok"/> is false only for a cas that did not apply;
/// <see cref="Value"/> is the key's value after the command (null: absent).
/// </summary>
public sealed record KvResult(bool Ok, string? Value);
