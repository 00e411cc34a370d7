using System.Collections.Immutable;
using System.Text;
using Akka.Configuration;

namespace PaxosActors.Kv;

/// <summary>
/// The replicated KV store. Deterministic: the same commands in the same order give the same
/// state on every node. Load <see cref="Config"/> into the ActorSystem so its commands use the
/// compact <see cref="KvSerializer"/> rather than the default JSON serializer. Its state is an
/// immutable dictionary, so a checkpoint captures it in O(1) and writes it while commands run.
/// </summary>
public sealed class KvStateMachine(int id = 1) : IReadableStateMachine, ICheckpointable
{
    private const byte FormatVersion = 1;

    private volatile ImmutableDictionary<string, string> _data = ImmutableDictionary.Create<string, string>(StringComparer.Ordinal);

    /// <summary>Binds the KV commands and results to <see cref="KvSerializer"/>.</summary>
    public static Config Config { get; } = ConfigurationFactory.FromResource<KvStateMachine>("PaxosActors.Kv.kv.conf");

    public int Id => id;

    /// <summary>Instances applied so far (the last one + 1), from a loaded checkpoint on.</summary>
    public long Applied { get; private set; }

    public object? Execute(long instance, object command)
    {
        Applied = instance + 1;
        return command switch
        {
            KvGet g => new KvResult(true, Value(g.Key)),
            KvPut p => Set(p.Key, p.Value),
            KvDelete d => Remove(d.Key),
            KvAppend a => Set(a.Key, Value(a.Key) + a.Value),
            KvCas c when Value(c.Key) == c.Expected => Set(c.Key, c.Value),
            KvCas c => new KvResult(false, Value(c.Key)),
            _ => throw new ArgumentException($"The KV store takes no {command.GetType().Name}.", nameof(command)),
        };
    }

    /// <summary>Answers a <see cref="KvGet"/> without going through the log (after the group's read barrier: linearizable).</summary>
    public object? Read(object query) => query is KvGet g
        ? new KvResult(true, Value(g.Key))
        : throw new ArgumentException($"The KV store reads only KvGet, not {query.GetType().Name}.", nameof(query));

    /// <summary>The current contents (for tests and tools; not a linearizable read).</summary>
    public IReadOnlyDictionary<string, string> Snapshot() => _data;

    public ICheckpointSnapshot Capture() => new Frozen(_data);

    public void Restore(Stream checkpoint, long instance)
    {
        using var reader = new BinaryReader(checkpoint, Encoding.UTF8, leaveOpen: true);
        if (reader.ReadByte() != FormatVersion)
        {
            throw new InvalidDataException("Not a KV checkpoint of a known format.");
        }

        var count = reader.ReadInt64();
        if (count < 0)
        {
            throw new InvalidDataException($"A KV checkpoint of {count} keys.");
        }

        var builder = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        for (var i = 0L; i < count; i++)
        {
            builder.Add(reader.ReadString(), reader.ReadString());
        }

        _data = builder.ToImmutable();
        Applied = instance;
    }

    private string? Value(string key) => _data.TryGetValue(key, out var v) ? v : null;

    private KvResult Set(string key, string value)
    {
        _data = _data.SetItem(key, value);
        return new KvResult(true, value);
    }

    private KvResult Remove(string key)
    {
        _data = _data.Remove(key);
        return new KvResult(true, null);
    }

    private sealed class Frozen(ImmutableDictionary<string, string> data) : ICheckpointSnapshot
    {
        public void WriteTo(Stream destination)
        {
            using var writer = new BinaryWriter(destination, Encoding.UTF8, leaveOpen: true);
            writer.Write(FormatVersion);
            writer.Write((long)data.Count);

            // In key order, so equal states write equal bytes on every node.
            foreach (var (key, value) in data.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                writer.Write(key);
                writer.Write(value);
            }
        }
    }
}
