namespace PaxosActors.Core;

/// <summary>The only randomness the protocol uses; injected so runs replay from a seed.</summary>
internal interface IRandomSource
{
    /// <summary>A number in [minInclusive, maxExclusive).</summary>
    int Next(int minInclusive, int maxExclusive);
}

/// <summary>A seeded source: the same seed gives the same sequence.</summary>
internal sealed class SeededRandom(int seed) : IRandomSource
{
    private readonly Random _random = new(seed);

    public int Next(int minInclusive, int maxExclusive) => _random.Next(minInclusive, maxExclusive);
}
