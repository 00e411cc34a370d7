using System.Globalization;

namespace PaxosActors.Cli.Bench;

/// <summary>
/// This process's garbage collections so far, by generation, and the time they paused it: taken
/// at both ends of the measured window, their difference says how much of a run's tail is GC.
/// </summary>
internal sealed record GcFigures(long Gen0, long Gen1, long Gen2, double PauseMs)
{
    public static GcFigures Now => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalMilliseconds);

    public GcFigures Since(GcFigures start) => new(Gen0 - start.Gen0, Gen1 - start.Gen1, Gen2 - start.Gen2, PauseMs - start.PauseMs);

    /// <summary>The four figures as the DONE line carries them.</summary>
    public string ToWire() => string.Create(CultureInfo.InvariantCulture, $"{Gen0} {Gen1} {Gen2} {PauseMs:F1}");

    public static GcFigures FromWire(ReadOnlySpan<string> parts) =>
        new(long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture), double.Parse(parts[3], CultureInfo.InvariantCulture));

    // Collections count every generation at or below the one collected: gen0 counts them all.
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Gen0} collections ({Gen1} reached gen1, {Gen2} gen2), {PauseMs:F0} ms paused");
}
