using System.Diagnostics;
using Akka.Actor;
using PaxosActors.Hosting;

namespace PaxosActors.Election;

/// <summary>What <see cref="ElectionDemo.RunAsync"/> saw.</summary>
/// <param name="Jobs">Every job that ran, in order, as the surviving nodes' ledgers hold them.</param>
/// <param name="FirstMaster">The master whose process was stopped.</param>
/// <param name="SecondMaster">The master that took over.</param>
/// <param name="TakeoverSeconds">From the stop to the new master's first job.</param>
/// <param name="LateJob">What the ledger answered a job the first master would have sent late.</param>
/// <param name="LedgersAgree">Whether the surviving nodes' ledgers hold the same jobs.</param>
public sealed record ElectionReport(IReadOnlyList<JobDone> Jobs, int FirstMaster, int SecondMaster, double TakeoverSeconds, object? LateJob, bool LedgersAgree)
{
    /// <summary>Jobs 1..N ran once each, in order, the first master's before the second's, and the late job was refused.</summary>
    public bool Sound =>
        LedgersAgree
        && Jobs.Select(j => j.Job).SequenceEqual(Enumerable.Range(1, Jobs.Count).Select(i => (long)i))
        && Jobs.SkipWhile(j => j.Master == FirstMaster).All(j => j.Master == SecondMaster)
        && Jobs.Any(j => j.Master == SecondMaster)
        && LateJob is JobRefused;
}

/// <summary>
/// Three nodes on 127.0.0.1 with SQLite, each running a <see cref="JobLedger"/> and an
/// <see cref="ElectedWorker"/>: the master runs jobs; its process is stopped; another node takes
/// the lease and carries on from the next job; and a job stamped by the old master is refused.
/// </summary>
public static class ElectionDemo
{
    public const string Group = "election";

    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(60);

    public static async Task<ElectionReport> RunAsync(string dataDir, int jobsPerTerm, TimeSpan lease, TextWriter output)
    {
        if (Directory.Exists(dataDir))
        {
            Directory.Delete(dataDir, recursive: true);
        }

        Directory.CreateDirectory(dataDir);
        var ports = LocalNodeConfig.FreePorts(3);
        var nodes = new Dictionary<int, (ActorSystem System, JobLedger Ledger, IActorRef Group)>();
        try
        {
            foreach (var id in ports.Keys)
            {
                var config = LocalNodeConfig.Create(id, ports, Path.Combine(dataDir, $"node{id}.db"), [Group], $"""
                    akka.loglevel = ERROR
                    akka.remote.log-remote-lifecycle-events = off
                    paxos-actors.groups.{Group}.master = on
                    paxos-actors.master.lease = {(long)lease.TotalMilliseconds}ms
                    """);
                var system = PaxosActorSystem.Create(LocalNodeConfig.SystemName, config);
                var ledger = new JobLedger();
                var group = await PaxosExtension.Get(system).StartGroupAsync(Group, ledger);
                system.ActorOf(ElectedWorker.Props(Group, group, TimeSpan.FromMilliseconds(20)), "worker");
                nodes[id] = (system, ledger, group);
            }

            output.WriteLine($"3 nodes on ports {string.Join(", ", ports.Values)}, group '{Group}' with a {lease.TotalSeconds:0.#} s master lease");
            var first = (await Until(() => nodes.Values.Select(n => n.Ledger.Done).FirstOrDefault(d => d.Count >= jobsPerTerm))).Last().Master;
            var old = await nodes[first].Group.Ask<MasterInfo>(GetMaster.Instance, TimeSpan.FromSeconds(5));
            output.WriteLine($"node {first} is master (version {old.Version}) and has run {jobsPerTerm}+ jobs; stopping its process");

            var clock = Stopwatch.StartNew();
            await nodes[first].System.Terminate();
            nodes.Remove(first);
            var survivor = nodes.Values.First();
            var takeover = await Until(() => survivor.Ledger.Done.FirstOrDefault(j => j.Master != first));
            var takeoverSeconds = clock.Elapsed.TotalSeconds;
            output.WriteLine($"node {takeover.Master} took over after {takeoverSeconds:0.00} s and went on at job {takeover.Job}");
            await Until(() => survivor.Ledger.Done.Count(j => j.Master == takeover.Master) >= jobsPerTerm ? takeover : null);

            // What a paused old master's delayed job would meet: refused on every node alike.
            var next = survivor.Ledger.Done.Count + 1;
            var late = await survivor.Group.Ask<object>(new Propose(new RunJob(first, old.Version, next)), TimeSpan.FromSeconds(10));
            var lateResult = late is ProposeResult r ? r.Result : late;
            output.WriteLine($"a job stamped by node {first} at version {old.Version}: {lateResult}");

            // Stop the workers, then let the ledgers settle and compare them.
            foreach (var n in nodes.Values)
            {
                await n.System.ActorSelection("/user/worker").Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(5)).ContinueWith(t => t.Result.Subject?.Tell(PoisonPill.Instance), TaskScheduler.Default);
            }

            var agree = await Agree(nodes.Values.Select(n => n.Ledger).ToList());
            var jobs = survivor.Ledger.Done;
            output.WriteLine($"{jobs.Count} jobs ran, {jobs.Count(j => j.Master == first)} by node {first} and {jobs.Count(j => j.Master == takeover.Master)} by node {takeover.Master}; the ledgers {(agree ? "agree" : "DIFFER")}");
            return new ElectionReport(jobs, first, takeover.Master, takeoverSeconds, lateResult, agree);
        }
        finally
        {
            await Task.WhenAll(nodes.Values.Select(n => n.System.Terminate()));
        }
    }

    private static async Task<bool> Agree(IReadOnlyList<JobLedger> ledgers)
    {
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(10); await Task.Delay(50))
        {
            if (ledgers.All(l => l.Done.SequenceEqual(ledgers[0].Done)))
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<T> Until<T>(Func<T?> probe)
        where T : class
    {
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < Ceiling; await Task.Delay(20))
        {
            if (probe() is { } found)
            {
                return found;
            }
        }

        throw new TimeoutException($"Nothing happened within {Ceiling.TotalSeconds} s.");
    }
}
