using Akka.Configuration;

namespace PaxosActors.Kv;

/// <summary>
/// The replicated KV store. Deterministic: the same commands in the same order give the same
/// state on every node. Load <see cref="Config"/> into the ActorSystem so its commands use the
/// compact <see cref="KvSerializer"/> rather than the default JSON serializer.
/// </summary>
public sealed class KvStateMachine(int id = 1) : IStateMachine
{
    private readonly Dictionary<string, string> _data = new(StringComparer.Ordinal);

    /// <summary>Binds the KV commands and results to <see cref="KvSerializer"/>.</summary>
    public static Config Config { get; } = ConfigurationFactory.FromResource<KvStateMachine>("PaxosActors.Kv.kv.conf");

    public int Id => id;

    /// <summary>Instances applied so far (the last one + 1).</summary>
    public long Applied { get; private set; }

    public object? Execute(long instance, object command)
    {
        Applied = instance + 1;
        lock (_data)
        {
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
    }

    /// <summary>A copy of the current contents (for tests and tools; not a linearizable read).</summary>
    public IReadOnlyDictionary<string, string> Snapshot()
    {
        lock (_data)
        {
            return new Dictionary<string, string>(_data, StringComparer.Ordinal);
        }
    }

    private string? Value(string key) => _data.TryGetValue(key, out var v) ? v : null;

    private KvResult Set(string key, string value)
    {
        _data[key] = value;
        return new KvResult(true, value);
    }

    private KvResult Remove(string key)
    {
        _data.Remove(key);
        return new KvResult(true, null);
    }
}
