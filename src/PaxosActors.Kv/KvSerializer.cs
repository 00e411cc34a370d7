using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;

namespace PaxosActors.Kv;

/// <summary>
/// Compact binary format of the KV commands and results: a manifest per type, then
/// length-prefixed UTF-8 strings (length -1 for null). This is how a user's own commands can
/// travel and be stored: any Akka serializer bound to their type works.
/// </summary>
public sealed class KvSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public override int Identifier => 9110;

    public override string Manifest(object o) => o switch
    {
        KvGet => "G",
        KvPut => "P",
        KvDelete => "D",
        KvAppend => "A",
        KvCas => "C",
        KvResult => "R",
        _ => throw new ArgumentException($"Cannot serialize {o.GetType()}.", nameof(o)),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        KvGet g => Strings(g.Key),
        KvPut p => Strings(p.Key, p.Value),
        KvDelete d => Strings(d.Key),
        KvAppend a => Strings(a.Key, a.Value),
        KvCas c => Strings(c.Key, c.Expected, c.Value),
        KvResult r => Strings(r.Ok ? "1" : "0", r.Value),
        _ => throw new ArgumentException($"Cannot serialize {obj.GetType()}.", nameof(obj)),
    };

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var s = Read(bytes);
        string Need(int i) => i < s.Count && s[i] is { } v ? v : throw new SerializationException($"KV '{manifest}': field {i} is missing.");
        return (manifest, s.Count) switch
        {
            ("G", 1) => new KvGet(Need(0)),
            ("P", 2) => new KvPut(Need(0), Need(1)),
            ("D", 1) => new KvDelete(Need(0)),
            ("A", 2) => new KvAppend(Need(0), Need(1)),
            ("C", 3) => new KvCas(Need(0), s[1], Need(2)),
            ("R", 2) => new KvResult(Need(0) == "1", s[1]),
            _ => throw new SerializationException($"Unknown KV manifest '{manifest}' with {s.Count} fields."),
        };
    }

    private static byte[] Strings(params string?[] values)
    {
        var size = values.Sum(v => 4 + (v is null ? 0 : Encoding.UTF8.GetByteCount(v)));
        var bytes = new byte[size];
        var at = 0;
        foreach (var v in values)
        {
            if (v is null)
            {
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), -1);
                at += 4;
                continue;
            }

            var n = Encoding.UTF8.GetBytes(v, bytes.AsSpan(at + 4));
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), n);
            at += 4 + n;
        }

        return bytes;
    }

    private static List<string?> Read(byte[] bytes)
    {
        var result = new List<string?>();
        var at = 0;
        while (at < bytes.Length)
        {
            if (bytes.Length - at < 4)
            {
                throw new SerializationException("KV value truncated.");
            }

            var n = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
            at += 4;
            if (n == -1)
            {
                result.Add(null);
                continue;
            }

            if (n < 0 || n > bytes.Length - at)
            {
                throw new SerializationException($"KV string length {n} is invalid.");
            }

            result.Add(Encoding.UTF8.GetString(bytes, at, n));
            at += n;
        }

        return result;
    }
}
