namespace PaxosActors.Linearizability;

/// <summary>An immutable set of small integers with value equality, for the search cache.</summary>
internal readonly struct BitSet : IEquatable<BitSet>
{
    private readonly ulong[] _words;
    private readonly int _hash;

    public BitSet(int size)
    {
        _words = new ulong[(size + 63) / 64];
        _hash = 0;
    }

    private BitSet(ulong[] words)
    {
        _words = words;
        var hash = new HashCode();
        foreach (var w in words)
        {
            hash.Add(w);
        }

        _hash = hash.ToHashCode();
    }

    public BitSet With(int i)
    {
        var words = (ulong[])_words.Clone();
        words[i >> 6] |= 1UL << (i & 63);
        return new BitSet(words);
    }

    public BitSet Without(int i)
    {
        var words = (ulong[])_words.Clone();
        words[i >> 6] &= ~(1UL << (i & 63));
        return new BitSet(words);
    }

    public bool Equals(BitSet other) => _hash == other._hash && _words.AsSpan().SequenceEqual(other._words);

    public override bool Equals(object? obj) => obj is BitSet b && Equals(b);

    public override int GetHashCode() => _hash;
}
