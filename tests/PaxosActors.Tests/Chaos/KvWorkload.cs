using System.Diagnostics;
using Akka.Actor;
using PaxosActors.Kv;
using PaxosActors.Linearizability;
using PaxosActors.TestKit;

namespace PaxosActors.Tests.Chaos;

/// <summary>
/// Concurrent clients running KV operations through random running nodes, each recorded with
/// its real call and return times and its outcome (ok, failed for sure, or unknown). Half the
/// operations go to a few hot keys that only take appends and gets, so many clients contend on
/// one key for the whole run (the checker decides those by the order of the appends, see
/// docs/linearizability.md); the rest mix gets, puts, appends and cas over many cold keys. Every
/// other get is a <see cref="Read"/> (a read barrier, no write), the others go through the log.
/// </summary>
internal sealed class KvWorkload(PaxosTestCluster cluster, int keys, int hotKeys, int seed)
{
    private readonly List<Operation> _history = [];
    private long _ops;
    private long _gets;

    /// <summary>How many operations have returned or were given up so far.</summary>
    public int Completed
    {
        get
        {
            lock (_history)
            {
                return _history.Count;
            }
        }
    }

    public IReadOnlyList<Operation> History
    {
        get
        {
            lock (_history)
            {
                return [.. _history];
            }
        }
    }

    /// <summary>Values of appends that a client was told succeeded, by key.</summary>
    public Dictionary<string, List<string>> AcknowledgedAppends { get; } = [];

    public static string Key(int i) => $"k{i}";

    public static string HotKey(int i) => $"h{i}";

    /// <summary>
    /// Runs <paramref name="clients"/> clients until <paramref name="operations"/> are done, and
    /// after that for as long as <paramref name="keepGoing"/> says, or until the time is up.
    /// </summary>
    public Task RunAsync(int clients, int operations, TimeSpan limit, CancellationToken keepGoing = default)
    {
        var until = DateTime.UtcNow + limit;
        return Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(() => ClientAsync(c, operations, until, keepGoing))));
    }

    /// <summary>Reads every key through the log of <paramref name="node"/>, recorded like any operation.</summary>
    public async Task ReadAllAsync(int node)
    {
        for (var k = 0; k < keys; k++)
        {
            await RunOneAsync(-1, node, new KvGet(Key(k)));
        }

        for (var k = 0; k < hotKeys; k++)
        {
            await RunOneAsync(-1, node, new KvGet(HotKey(k)));
        }
    }

    private async Task ClientAsync(int client, int operations, DateTime until, CancellationToken keepGoing)
    {
        // System.Random's seeded generator gives correlated early draws for neighbouring seeds:
        // with seed * 1000 + client all clients picked the same key at the same step, and the
        // checker faced 30 concurrent operations on one key. Mix the seed first.
        var random = new Random(Mix(seed, client));
        var seen = new Dictionary<string, string?>();
        var n = 0;
        while ((Interlocked.Increment(ref _ops) <= operations || (keepGoing.CanBeCanceled && !keepGoing.IsCancellationRequested)) && DateTime.UtcNow < until)
        {
            var running = cluster.Running;
            if (running.Count == 0)
            {
                // Every node is down for a moment (the nemesis): wait for one, or for the end.
                await Eventually.HoldsAsync(() => cluster.Running.Count > 0 || DateTime.UtcNow >= until, until - DateTime.UtcNow + TimeSpan.FromSeconds(5), () => "a running node");
                continue;
            }

            // Values are distinct and end in ';', so no value is a prefix of another.
            var value = $"c{client}.{n++};";
            IKvCommand command;
            if (hotKeys > 0 && random.Next(2) == 0)
            {
                var hot = HotKey(random.Next(hotKeys));
                command = random.Next(100) < 40 ? new KvGet(hot) : new KvAppend(hot, value);
            }
            else
            {
                var key = Key(random.Next(keys));
                command = random.Next(100) switch
                {
                    < 40 => new KvGet(key),
                    < 60 => new KvPut(key, value),
                    < 85 => new KvAppend(key, value),
                    _ => new KvCas(key, seen.GetValueOrDefault(key), value),
                };
            }

            if (await RunOneAsync(client, running[random.Next(running.Count)], command) is { } result)
            {
                seen[command.Key] = result.Value;
            }
        }
    }

    /// <summary>SplitMix64's finalizer over (seed, client): well-spread, and the same in every process.</summary>
    private static int Mix(int seed, int client)
    {
        var z = ((ulong)(uint)seed << 32 | (uint)client) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    private async Task<KvResult?> RunOneAsync(int client, int node, IKvCommand command)
    {
        IActorRef group;
        try
        {
            group = cluster.Group(node);
        }
        catch (InvalidOperationException)
        {
            return null; // the node is not running: nothing is sent
        }

        var call = Stopwatch.GetTimestamp();
        object reply;
        try
        {
            // Every other get is a read without a write (the read barrier), the rest go through the log.
            object request = command is KvGet && Interlocked.Increment(ref _gets) % 2 == 0 ? new Read(command) : new Propose(command);
            reply = await group.Ask<object>(request, TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // No answer (the node crashed, or the ask timed out): the command may have run.
            reply = new ProposeFailed(ProposeFailureReason.Timeout, "ask failed", OutcomeUnknown: true);
        }

        var ret = Stopwatch.GetTimestamp();
        Record(client, command, call, ret, reply);
        return (reply as ProposeResult)?.Result as KvResult;
    }

    /// <summary>Definite failures by reason.</summary>
    public Dictionary<ProposeFailureReason, int> Failures { get; } = [];

    /// <summary>Operations that failed for sure (they are not part of the history).</summary>
    public List<Operation> FailedOps { get; } = [];

    private Operation? Failed(ProposeFailed f, Operation op)
    {
        lock (Failures)
        {
            Failures[f.Reason] = Failures.GetValueOrDefault(f.Reason) + 1;
            FailedOps.Add(op);
        }

        return null;
    }

    private void Record(int client, IKvCommand command, long call, long ret, object reply)
    {
        var (kind, value, expected) = command switch
        {
            KvGet => (OpKind.Get, null, null),
            KvPut p => (OpKind.Put, p.Value, null),
            KvAppend a => (OpKind.Append, a.Value, null),
            KvCas c => (OpKind.Cas, c.Value, c.Expected),
            _ => throw new ArgumentException("unknown command"),
        };
        Operation? op = reply switch
        {
            ProposeResult { Result: KvResult r } => new Operation(client, kind, command.Key, value, expected, r.Value, r.Ok, call, ret),
            ProposeFailed { OutcomeUnknown: true } => new Operation(client, kind, command.Key, value, expected, null, true, call, null),
            ProposeFailed f when f.Reason == ProposeFailureReason.GroupHalted => throw new InvalidOperationException("A group halted: " + f.Message),
            ProposeFailed f => Failed(f, new Operation(client, kind, command.Key, value, expected, f.Message, false, call, ret)), // did not happen
            _ => throw new InvalidOperationException($"Unexpected reply {reply}"),
        };
        if (op is null)
        {
            return;
        }

        lock (_history)
        {
            _history.Add(op);
            if (op is { Kind: OpKind.Append, Return: not null })
            {
                if (!AcknowledgedAppends.TryGetValue(op.Key, out var list))
                {
                    AcknowledgedAppends[op.Key] = list = [];
                }

                list.Add(op.Value!);
            }
        }
    }
}
