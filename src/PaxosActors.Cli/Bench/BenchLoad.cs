using System.Diagnostics;
using Akka.Actor;

namespace PaxosActors.Cli.Bench;

/// <summary>What each client of a node does: how long, how much, with which message.</summary>
internal sealed record LoadSpec(int ValueSize, bool Batch, TimeSpan Warmup, TimeSpan Duration, long? OperationsPerClient)
{
    /// <summary>Propose <see cref="BenchOrder"/> records (a user's command type, with no serializer binding) instead of byte arrays.</summary>
    public bool Objects { get; init; }
}

/// <summary>
/// A command as users write them: a record with no serializer binding of its own, so it goes
/// by paxos-actors.command-serializer (Hyperion by default, JSON with it set to ""). Its note
/// makes it about the value size.
/// </summary>
public sealed record BenchOrder(long Id, string Customer, decimal Amount, DateTimeOffset At, string Note);

/// <summary>Latencies of the proposals that succeeded while measuring, failures, and the time measured.</summary>
internal sealed record LoadResult(Latencies Latencies, long Failed, double Seconds)
{
    /// <summary>The fewest and the most proposals any one client completed: how fair the service was.</summary>
    public (long Min, long Max) PerClient { get; init; }
}

/// <summary>
/// N concurrent clients, each proposing one value at a time to its GroupActor and waiting for
/// the answer. Proposals during the warm-up are not counted.
/// </summary>
internal static class BenchLoad
{
    public static async Task<LoadResult> RunAsync(IReadOnlyList<IActorRef> targets, LoadSpec spec)
    {
        var latencies = new Latencies();
        var succeeded = new long[targets.Count];
        var failed = 0L;
        var value = new byte[spec.ValueSize];
        Random.Shared.NextBytes(value);
        var note = new string('n', Math.Max(0, spec.ValueSize - 40));
        var begin = Stopwatch.GetTimestamp();
        var start = begin + (long)(spec.Warmup.TotalSeconds * Stopwatch.Frequency);
        var end = spec.OperationsPerClient is null ? start + (long)(spec.Duration.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        var lastDone = start;
        await Task.WhenAll(targets.Select((target, c) => Task.Run(async () =>
        {
            var counted = 0L;
            while (counted < (spec.OperationsPerClient ?? long.MaxValue))
            {
                var call = Stopwatch.GetTimestamp();
                if (call >= end)
                {
                    return;
                }

                object command = spec.Objects ? new BenchOrder(counted, "customer-42", 12.5m, DateTimeOffset.UnixEpoch, note) : value;
                var reply = await target.Ask<object>(spec.Batch ? new BatchPropose(command) : new Propose(command), TimeSpan.FromSeconds(60));
                var done = Stopwatch.GetTimestamp();
                if (call < start)
                {
                    continue;
                }

                counted++;
                InterlockedMax(ref lastDone, done);
                if (reply is ProposeResult or BatchProposeResult)
                {
                    latencies.Record(Stopwatch.GetElapsedTime(call, done));
                    succeeded[c]++;
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })));

        var seconds = spec.OperationsPerClient is null ? spec.Duration.TotalSeconds : Stopwatch.GetElapsedTime(start, lastDone).TotalSeconds;
        return new LoadResult(latencies, failed, seconds)
        {
            PerClient = succeeded.Length == 0 ? (0, 0) : (succeeded.Min(), succeeded.Max()),
        };
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var seen = Interlocked.Read(ref target);
        while (value > seen)
        {
            var was = Interlocked.CompareExchange(ref target, value, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }
}
