using System.Collections.Concurrent;

namespace PaxosActors.Core.Tests.Simulation;

/// <summary>Runs many seeds in parallel and reports the first violation with its seed.</summary>
internal static class SeedSweep
{
    /// <summary>3 nodes for even seeds, 5 for odd ones.</summary>
    public static int NodesFor(int seed) => seed % 2 == 0 ? 3 : 5;

    public static Simulation RunOne(int seed, DeliberateBugs bugs = DeliberateBugs.None)
    {
        var sim = Build(seed, bugs);
        sim.RunRandom();
        return sim;
    }

    /// <summary>The simulation of <paramref name="seed"/>, ready to run (a debugger can then inspect it after a violation).</summary>
    public static Simulation Build(int seed, DeliberateBugs bugs = DeliberateBugs.None)
    {
        var options = new ProtocolOptions
        {
            PrepareTimeout = TimeSpan.FromMilliseconds(50),
            AcceptTimeout = TimeSpan.FromMilliseconds(50),
            MaxRoundTimeout = TimeSpan.FromMilliseconds(400),
            Bugs = bugs,

            // A third of the seeds keep only a few instances in memory, so catch-up is served from disk.
            CatchUpBatch = seed % 3 == 0 ? 4 : 256,
            LogWindow = seed % 3 == 0 ? 8 : int.MaxValue,

            // Callers give up and leaders are passed over within the fault window; some seeds keep
            // queues tiny, so that hand-overs are refused, and values small.
            ProposeTimeout = TimeSpan.FromMilliseconds(40 + (seed % 7 * 200)),
            LeaderTimeout = TimeSpan.FromMilliseconds(80 + (seed % 5 * 60)),
            MaxPendingProposals = seed % 4 == 1 ? 2 : 10_000,
            BatchMaxCount = 1 + (seed % 6),
            BatchProposeMaxCount = 1 + (seed % 4),

            // Half of the seeds take checkpoints, some after every instance: a restart then loads
            // the newest one that fits and replays only the rest.
            CheckpointEvery = seed % 4 < 2 ? 1 + (seed % 5) : 0,

            // Most of those cut their journals a few instances behind the oldest checkpoint, so a
            // node that was down or cut off comes back by fetching a checkpoint in small chunks.
            KeepInstances = seed % 4 < 2 && seed % 5 != 0 ? seed % 3 : null,
            LogMarkEvery = 1 + (seed % 3),
            TruncateStepInstances = 1 + (seed % 7),
            TruncateInterval = TimeSpan.FromMilliseconds(seed % 2 * 300),
            TransferChunkBytes = 64 << (seed % 4),
            TransferWindow = 1 + (seed % 3),

            // Chosen records wait up to 0-30 ms for the acceptor's next write to carry them.
            ChosenWriteDelay = TimeSpan.FromMilliseconds(seed % 4 * 10),

            // A fetch gives up after 5 quiet learn ticks (1-1.5 s each): the file stays a little longer.
            TransferPin = TimeSpan.FromSeconds(9),

            // Most seeds announce a chosen instance on the next Accept; the rest send the value to
            // every member at once (as nodes writing wire format 1 do).
            ChosenWithNextAccept = seed % 4 != 3,
        };
        // A sixth of the seeds start with 3 of their 5 nodes as members and change the
        // membership as they run: nodes join, vote, take others' places and leave.
        var sim = new Simulation(NodesFor(seed), seed, options, members: seed % 6 == 5 ? 3 : null);
        sim.Network.CorruptRate = seed % 3 == 1 ? 0.2 : 0;
        return sim;
    }

    /// <summary>
    /// A seed of the lease sweep: the group has a master whose lease (1 s, 5 to 20% drift) every node
    /// bids for on a clock of its own, and clients read from the holder without a round.
    /// </summary>
    public static Simulation BuildLease(int seed, DeliberateBugs bugs = DeliberateBugs.None)
    {
        // The master renews at 30-50% of its lease, so the log never rests: checkpoints are further
        // apart and sent in bigger chunks, or a lagging node's transfer would never finish
        // before its source replaced the file (see docs/protocol.md, checkpoint transfer).
        var options = Build(seed, bugs).Options with
        {
            CheckpointEvery = seed % 4 < 2 ? 20 + (seed % 5) : 0,
            TransferChunkBytes = 4096 << (seed % 3),
        };
        return new Simulation(NodesFor(seed), seed, options, master: new MasterOptions(1_000, 0.05 * (1 + (seed % 4))) { Bugs = bugs });
    }

    /// <summary>The violations found among <paramref name="count"/> seeds from <paramref name="first"/>.</summary>
    public static IReadOnlyList<(int Seed, string Message)> Run(int first, int count, DeliberateBugs bugs = DeliberateBugs.None, bool stopAtFirst = false) =>
        Run(first, count, seed => RunOne(seed, bugs), stopAtFirst);

    /// <summary>The violations found among <paramref name="count"/> seeds of the lease sweep from <paramref name="first"/>.</summary>
    public static IReadOnlyList<(int Seed, string Message)> RunLease(int first, int count, DeliberateBugs bugs = DeliberateBugs.None, bool stopAtFirst = false) =>
        Run(first, count, seed => BuildLease(seed, bugs).RunRandom(), stopAtFirst);

    private static IReadOnlyList<(int Seed, string Message)> Run(int first, int count, Action<int> run, bool stopAtFirst)
    {
        var failures = new ConcurrentBag<(int, string)>();
        Parallel.For(first, first + count, (seed, state) =>
        {
            try
            {
                run(seed);
            }
            catch (InvariantViolation e)
            {
                failures.Add((seed, e.Message));
                if (stopAtFirst)
                {
                    state.Stop();
                }
            }
        });
        return failures.OrderBy(f => f.Item1).ToList();
    }
}
