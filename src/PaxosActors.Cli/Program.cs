using System.CommandLine;
using PaxosActors.Cli.Bench;
using PaxosActors.Cli.Demo;
using PaxosActors.Cli.Kv;
using PaxosActors.Cli.Lincheck;
using PaxosActors.Cli.Node;
using PaxosActors.Security;

var root = new RootCommand("paxos: run and exercise PaxosActors nodes");

var data = new Option<string>("--data") { Description = "Folder for the nodes' SQLite files (wiped first)", DefaultValueFactory = _ => Path.Combine("data", "demo") };
var sequential = new Option<int>("--sequential") { Description = "Sequential proposals measured for latency", DefaultValueFactory = _ => 500 };
var concurrent = new Option<int>("--concurrent") { Description = "Proposals sent at once from all three nodes", DefaultValueFactory = _ => 20_000 };
var demo = new Command("demo", "Start 3 nodes on 127.0.0.1 with SQLite, propose from all of them, restart one, and compare their logs");
demo.Options.Add(data);
demo.Options.Add(sequential);
demo.Options.Add(concurrent);
demo.SetAction((result, _) => DemoCommand.RunAsync(result.GetValue(data)!, result.GetValue(sequential), result.GetValue(concurrent), Console.Out));
root.Subcommands.Add(demo);

var historyFile = new Argument<string>("file") { Description = "A history in the JSON format of docs/linearizability.md" };
var timeLimit = new Option<double>("--timeout") { Description = "Seconds to search before answering 'undecided' (exit code 2)", DefaultValueFactory = _ => 60 };
var generate = new Option<int?>("--generate") { Description = "First write a generated history of this many operations on append-only keys to FILE (linearizable by construction)" };
var generateClients = new Option<int>("--clients") { Description = "With --generate: concurrent clients", DefaultValueFactory = _ => 16 };
var generateKeys = new Option<int>("--keys") { Description = "With --generate: keys, all append-only", DefaultValueFactory = _ => 4 };
var generateSeed = new Option<int>("--seed") { Description = "With --generate: the random seed", DefaultValueFactory = _ => 1 };
var corrupt = new Option<bool>("--corrupt") { Description = "With --generate: make one read stale (it misses an append that returned before it was called), so the history is not linearizable" };
var searchOnly = new Option<bool>("--search-only") { Description = "Search every key, even append-only ones (slow; to compare the two methods)" };
var lincheck = new Command("lincheck", "Check a key-value history for linearizability: exit 0 yes, 1 no, 2 undecided, 3 bad input");
lincheck.Arguments.Add(historyFile);
foreach (var o in new Option[] { timeLimit, searchOnly, generate, generateClients, generateKeys, generateSeed, corrupt })
{
    lincheck.Options.Add(o);
}

lincheck.SetAction(result =>
{
    var file = result.GetValue(historyFile)!;
    if (result.GetValue(generate) is { } operations)
    {
        var generated = LincheckCommand.Generate(file, operations, result.GetValue(generateClients), result.GetValue(generateKeys), result.GetValue(generateSeed), result.GetValue(corrupt), Console.Out, Console.Error);
        if (generated != 0)
        {
            return generated;
        }
    }

    return LincheckCommand.Run(file, TimeSpan.FromSeconds(result.GetValue(timeLimit)), Console.Out, Console.Error, inferAppendOrder: !result.GetValue(searchOnly));
});
root.Subcommands.Add(lincheck);

var configFile = new Option<string>("--config") { Description = "The node's HOCON file (see hocon/node1.conf)", Required = true };
var node = new Command("node", "Run one node from a HOCON file, serving its groups with the replicated KV store, until SIGINT/SIGTERM");
var metricsPort = new Option<int?>("--metrics-port") { Description = "Serve the PaxosActors metrics as Prometheus text at http://localhost:PORT/metrics" };
node.Options.Add(configFile);
node.Options.Add(metricsPort);
node.SetAction((result, _) => NodeCommand.RunAsync(result.GetValue(configFile)!, Console.Out, Console.Error, result.GetValue(metricsPort)));
root.Subcommands.Add(node);

var logData = new Option<string>("--data") { Description = "A stopped node's SQLite journal file (e.g. data/node1.db)", Required = true };
var logGroup = new Option<string?>("--group") { Description = "The group to show (without it: the groups in the file)" };
var logFrom = new Option<long>("--from") { Description = "First instance shown", DefaultValueFactory = _ => 0 };
var logCount = new Option<int>("--count") { Description = "Instances shown at most", DefaultValueFactory = _ => 100 };
var logVerify = new Option<bool>("--verify") { Description = "Recompute the checksum chain over the whole log: exit 1 if it breaks" };
var logJson = new Option<bool>("--json") { Description = "Print JSON" };
var log = new Command("log", "Inspect a stopped node's stored log offline: groups, chosen instances, ballots, checksums, decoded commands");
foreach (var o in new Option[] { logData, logGroup, logFrom, logCount, logVerify, logJson })
{
    log.Options.Add(o);
}

log.SetAction(result => PaxosActors.Cli.Log.LogCommand.Run(result.GetValue(logData)!, result.GetValue(logGroup), result.GetValue(logFrom), result.GetValue(logCount), result.GetValue(logVerify), result.GetValue(logJson), Console.Out, Console.Error));
root.Subcommands.Add(log);

var kvConfig = new Option<string?>("--config") { Description = "The client's HOCON file: TLS settings, and the nodes to try without --node (see hocon/client.conf, hocon/tls/client.conf)" };
var kvNode = new Option<string?>("--node") { Description = "Ask this node (its Akka address, e.g. akka.tcp://paxos@127.0.0.1:9001) instead of trying the config's nodes" };
var kvGroup = new Option<string>("--group") { Description = "The group", DefaultValueFactory = _ => "kv" };
var kvJson = new Option<bool>("--json") { Description = "Print the answer as JSON" };
var kvTimeout = new Option<double>("--timeout") { Description = "Seconds to wait for each node", DefaultValueFactory = _ => 10 };
var kvOperation = new Argument<string>("operation") { Description = "get, put, append, delete or cas" };
kvOperation.AcceptOnlyFromAmong("get", "put", "append", "delete", "cas");
var kvKey = new Argument<string>("key") { Description = "The key" };
var kvValue = new Argument<string?>("value") { Description = "The value (put, append, cas)", Arity = ArgumentArity.ZeroOrOne };
var kvExpected = new Argument<string?>("expected") { Description = "cas: the value expected now ('-' for an absent key)", Arity = ArgumentArity.ZeroOrOne };
var kv = new Command("kv", "Read or write one key of a running cluster's KV group, as a client");
foreach (var o in new Option[] { kvConfig, kvNode, kvGroup, kvJson, kvTimeout })
{
    kv.Options.Add(o);
}

kv.Arguments.Add(kvOperation);
kv.Arguments.Add(kvKey);
kv.Arguments.Add(kvValue);
kv.Arguments.Add(kvExpected);
kv.SetAction((result, _) => KvCommand.Command(result.GetValue(kvOperation)!, result.GetValue(kvKey)!, result.GetValue(kvValue), result.GetValue(kvExpected), Console.Error) is { } command
    ? KvCommand.RunAsync(result.GetValue(kvConfig), result.GetValue(kvNode), result.GetValue(kvGroup)!, command, result.GetValue(kvJson), TimeSpan.FromSeconds(result.GetValue(kvTimeout)), Console.Out, Console.Error)
    : Task.FromResult(3));
root.Subcommands.Add(kv);

var clientNode = new Option<string>("--node") { Description = "A node's Akka address, e.g. akka.tcp://paxos@127.0.0.1:9001", Required = true, Recursive = true };
var operatorGroup = new Option<string>("--group") { Description = "The group", DefaultValueFactory = _ => "kv", Recursive = true };
var clientConfig = new Option<string?>("--config") { Description = "The client's own HOCON file (e.g. TLS settings: hocon/tls/client.conf)", Recursive = true };
var clientJson = new Option<bool>("--json") { Description = "Print JSON", Recursive = true };
var expectedVersion = new Option<long?>("--expected-version") { Description = "Change only if the membership is still at this version (compare-and-set)", Recursive = true };
var membersTimeout = new Option<double>("--timeout") { Description = "Seconds to wait for the answer (a new node's catch-up included)", DefaultValueFactory = _ => 90, Recursive = true };
var members = new Command("members", "Show a group's members as a node has applied them, or change them: add, remove, change");
foreach (var o in new Option[] { clientNode, operatorGroup, clientConfig, clientJson, expectedVersion, membersTimeout })
{
    members.Options.Add(o);
}

Task<int> Members(ParseResult result, string operation, params string[] args) =>
    PaxosActors.Cli.Members.MembersCommand.Request(operation, args, result.GetValue(expectedVersion), Console.Error) is { } request
        ? PaxosActors.Cli.Members.MembersCommand.RunAsync(result.GetValue(clientConfig), result.GetValue(clientNode)!, result.GetValue(operatorGroup)!, request, result.GetValue(clientJson), TimeSpan.FromSeconds(result.GetValue(membersTimeout)), Console.Out, Console.Error)
        : Task.FromResult(3);

var memberId = new Argument<string>("id") { Description = "The node's id (an integer ≥ 1)" };
var memberAddress = new Argument<string>("address") { Description = "The node's Akka address" };
var oldId = new Argument<string>("old-id") { Description = "The voting member that leaves" };
var newId = new Argument<string>("new-id") { Description = "The node that takes its vote" };
var newAddress = new Argument<string>("new-address") { Description = "The new node's Akka address" };
var membersAdd = new Command("add", "Add a node: it joins as a learner, catches up, then votes (an address change for a known node)") { memberId, memberAddress };
membersAdd.SetAction((result, _) => Members(result, "add", result.GetValue(memberId)!, result.GetValue(memberAddress)!));
var membersRemove = new Command("remove", "Remove a node from the group") { memberId };
membersRemove.SetAction((result, _) => Members(result, "remove", result.GetValue(memberId)!));
var membersChange = new Command("change", "Replace a voting member: the new node catches up as a learner, then takes the old one's vote") { oldId, newId, newAddress };
membersChange.SetAction((result, _) => Members(result, "change", result.GetValue(oldId)!, result.GetValue(newId)!, result.GetValue(newAddress)!));
members.Subcommands.Add(membersAdd);
members.Subcommands.Add(membersRemove);
members.Subcommands.Add(membersChange);
members.SetAction((result, _) => Members(result, "show"));
root.Subcommands.Add(members);

var masterDrop = new Option<bool>("--drop") { Description = "Ask the node to give up the master lease if it holds it (another member takes over)" };
var masterTimeout = new Option<double>("--timeout") { Description = "Seconds to wait for the answer", DefaultValueFactory = _ => 10 };
var master = new Command("master", "Show a group's master as a node sees it: node (0: none), version (the fencing token), lease left");
foreach (var o in new Option[] { clientNode, operatorGroup, clientConfig, clientJson, masterDrop, masterTimeout })
{
    master.Options.Add(o);
}

master.SetAction((result, _) => PaxosActors.Cli.Members.MasterCommand.RunAsync(result.GetValue(clientConfig), result.GetValue(clientNode)!, result.GetValue(operatorGroup)!, result.GetValue(masterDrop), result.GetValue(clientJson), TimeSpan.FromSeconds(result.GetValue(masterTimeout)), Console.Out, Console.Error));
root.Subcommands.Add(master);

var statusGroup = new Option<string?>("--group") { Description = "Show only this group (without it: every group on the node)" };
var statusTimeout = new Option<double>("--timeout") { Description = "Seconds to wait for each answer", DefaultValueFactory = _ => 10 };
var status = new Command("status", "Show a node's groups: current and executed instance, lag behind the best peer, leader, master, members, halted and why (exit 1 if one is halted)");
foreach (var o in new Option[] { clientNode, statusGroup, clientConfig, clientJson, statusTimeout })
{
    status.Options.Add(o);
}

status.SetAction((result, _) => PaxosActors.Cli.Status.StatusCommand.RunAsync(result.GetValue(clientConfig), result.GetValue(clientNode)!, result.GetValue(statusGroup), result.GetValue(clientJson), TimeSpan.FromSeconds(result.GetValue(statusTimeout)), Console.Out, Console.Error));
root.Subcommands.Add(status);

var certsOut = new Option<string>("--out") { Description = "Folder for ca.pem, node<N>.pem/.key and client.pem/.key", DefaultValueFactory = _ => Path.Combine("hocon", "tls") };
var certsNodes = new Option<int>("--nodes") { Description = "Node certificates to make (node1..nodeN)", DefaultValueFactory = _ => 3 };
var certsCluster = new Option<string>("--cluster-id") { Description = "The cluster id the certificates name", DefaultValueFactory = _ => "paxos" };
var certsClient = new Option<string>("--client") { Description = "The client certificate's name", DefaultValueFactory = _ => "operator" };
var certs = new Command("dev-certs", "Make a development CA and node and client certificates for TLS on one machine (never for production)");
foreach (var o in new Option[] { certsOut, certsNodes, certsCluster, certsClient })
{
    certs.Options.Add(o);
}

certs.SetAction(result => DevCertificates.Run(result.GetValue(certsOut)!, result.GetValue(certsCluster)!, result.GetValue(certsNodes), result.GetValue(certsClient)!, Console.Out));
root.Subcommands.Add(certs);

var groups = new Option<int>("--groups") { Description = "Paxos groups (each an independent log)", DefaultValueFactory = _ => 1 };
var clients = new Option<int>("--clients") { Description = "Concurrent clients, spread round-robin over the nodes and groups", DefaultValueFactory = _ => 8 };
var valueSize = new Option<int>("--value-size") { Description = "Bytes per proposed value", DefaultValueFactory = _ => 100 };
var duration = new Option<double>("--duration") { Description = "Seconds measured (after the warm-up)", DefaultValueFactory = _ => 10 };
var ops = new Option<long?>("--ops") { Description = "Measure this many proposals (shared by the clients) instead of a duration" };
var warmup = new Option<double>("--warmup") { Description = "Seconds of load before measuring", DefaultValueFactory = _ => 2 };
var json = new Option<string?>("--json") { Description = "Also write the figures to this JSON file" };
var benchData = new Option<string>("--data") { Description = "Folder for the nodes' files (wiped first)", DefaultValueFactory = _ => Path.Combine("data", "bench") };
var inProcess = new Option<bool>("--in-process") { Description = "Run the 3 nodes as ActorSystems of this process instead of 3 processes" };
var batch = new Option<bool>("--batch") { Description = "Clients send BatchPropose (explicit batching, paxos-actors.batch-propose.*) instead of Propose" };
var storage = new Option<string>("--storage") { Description = "sqlite (PaxosActors' journal), sqlite-sql (Akka.Persistence.Sql on SQLite) or postgresql", DefaultValueFactory = _ => "sqlite" };
storage.AcceptOnlyFromAmong("sqlite", "sqlite-sql", "postgresql");
var postgres = new Option<string>("--postgres") { Description = "PostgreSQL connection (no database): each node gets paxos_bench_N, recreated", DefaultValueFactory = _ => "Host=127.0.0.1;Port=5432;Username=paxos;Password=paxos" };
var hocon = new Option<string[]>("--hocon") { Description = "Extra HOCON for every node, e.g. --hocon \"paxos-actors.forward-to-leader = off\"", DefaultValueFactory = _ => [] };
var benchTls = new Option<bool>("--tls") { Description = "The nodes speak mutual TLS (certificates from a development CA made in the data folder)" };
var objects = new Option<bool>("--objects") { Description = "Clients propose records with no serializer binding (paxos-actors.command-serializer: Hyperion, or JSON with --hocon 'paxos-actors.command-serializer = \"\"') instead of byte arrays" };
var benchClientNode = new Option<int?>("--client-node") { Description = "Run every client in this node (1-3), as the peer harnesses run theirs in node 1; default: spread round-robin over the nodes" };
var diskEvery = new Option<double?>("--disk-every") { Description = "Print and record the largest node's storage every this many seconds while the load runs" };
var bench = new Command("bench", "Measure throughput and latency: 3 nodes on 127.0.0.1 with durable storage, N concurrent clients");
foreach (var o in new Option[] { groups, clients, valueSize, duration, ops, warmup, json, benchData, inProcess, batch, storage, postgres, hocon, diskEvery, benchTls, objects, benchClientNode })
{
    bench.Options.Add(o);
}

bench.SetAction(async (result, _) =>
{
    var options = new BenchOptions(result.GetValue(groups), result.GetValue(clients), result.GetValue(valueSize),
        TimeSpan.FromSeconds(result.GetValue(duration)), TimeSpan.FromSeconds(result.GetValue(warmup)), result.GetValue(benchData)!, result.GetValue(json))
    {
        InProcess = result.GetValue(inProcess),
        Batch = result.GetValue(batch),
        Operations = result.GetValue(ops),
        Storage = result.GetValue(storage) switch { "sqlite-sql" => BenchStorage.SqliteSql, "postgresql" => BenchStorage.Postgresql, _ => BenchStorage.Sqlite },
        PostgresConnection = result.GetValue(postgres)!,
        ExtraHocon = string.Join("\n", result.GetValue(hocon)!),
        DiskEvery = result.GetValue(diskEvery) is { } every ? TimeSpan.FromSeconds(every) : null,
        Tls = result.GetValue(benchTls),
        Objects = result.GetValue(objects),
        ClientNode = result.GetValue(benchClientNode),
    };
    if (options.ClientNode is < 1 or > BenchNodes.Count)
    {
        Console.Error.WriteLine($"--client-node must be a node from 1 to {BenchNodes.Count}.");
        return 3;
    }

    if (options.DiskEvery <= TimeSpan.Zero)
    {
        Console.Error.WriteLine("--disk-every must be positive.");
        return 3;
    }

    if (options.Groups < 1 || options.Clients < 1 || options.ValueSize < 1 || options.Duration <= TimeSpan.Zero || options.Operations < 1)
    {
        Console.Error.WriteLine("--groups, --clients, --value-size, --duration and --ops must be positive.");
        return 3;
    }

    await BenchCommand.RunAsync(options, Console.Out);
    return 0;
});
root.Subcommands.Add(bench);

var commands = new Option<long>("--commands") { Description = "Commands of 100 B in the log before node 3 restarts", DefaultValueFactory = _ => 100_000 };
var recoveryData = new Option<string>("--data") { Description = "Folder for the nodes' files (wiped first)", DefaultValueFactory = _ => Path.Combine("data", "recovery") };
var recovery = new Command("recovery", "Measure a restart: fill a 3-node log (3 processes, SQLite), stop node 3, start it again, and time it to its first proposal");
foreach (var o in new Option[] { commands, recoveryData, json, hocon })
{
    recovery.Options.Add(o);
}

recovery.SetAction(async (result, _) =>
{
    if (result.GetValue(commands) < 1)
    {
        Console.Error.WriteLine("--commands must be positive.");
        return 3;
    }

    await PaxosActors.Cli.Recovery.RecoveryCommand.RunAsync(result.GetValue(commands), result.GetValue(recoveryData)!, result.GetValue(json), string.Join("\n", result.GetValue(hocon)!), Console.Out);
    return 0;
});
root.Subcommands.Add(recovery);

var failoverRounds = new Option<int>("--rounds") { Description = "Masters killed, one after another", DefaultValueFactory = _ => 3 };
var failoverLease = new Option<double>("--lease") { Description = "The master lease, in seconds", DefaultValueFactory = _ => 10 };
var failoverData = new Option<string>("--data") { Description = "Folder for the nodes' files (wiped first)", DefaultValueFactory = _ => Path.Combine("data", "failover") };
var failover = new Command("failover", "Measure master failover: 3 node processes, kill the master's process, time until the others agree on a new master");
foreach (var o in new Option[] { failoverRounds, failoverLease, failoverData, json })
{
    failover.Options.Add(o);
}

failover.SetAction((result, _) => result.GetValue(failoverRounds) < 1 || result.GetValue(failoverLease) < 0.1
    ? Task.FromResult(Fail("--rounds must be positive and --lease at least 0.1 s."))
    : PaxosActors.Cli.Failover.FailoverCommand.RunAsync(result.GetValue(failoverRounds), TimeSpan.FromSeconds(result.GetValue(failoverLease)), result.GetValue(failoverData)!, result.GetValue(json), Console.Out, Console.Error));
root.Subcommands.Add(failover);

static int Fail(string message)
{
    Console.Error.WriteLine(message);
    return 3;
}

var nodeConfig = new Option<string>("--config") { Required = true };
var samples = new Option<string>("--samples") { Required = true };
var clientGroup = new Option<string[]>("--client") { DefaultValueFactory = _ => [] };
var opsPerClient = new Option<long?>("--ops-per-client");
var benchNode = new Command("bench-node", "One node of `paxos bench` (started by it)") { Hidden = true };
foreach (var o in new Option[] { nodeConfig, samples, clientGroup, opsPerClient, valueSize, warmup, duration, batch, objects })
{
    benchNode.Options.Add(o);
}

benchNode.SetAction((result, _) => BenchNodeCommand.RunAsync(
    result.GetValue(nodeConfig)!,
    result.GetValue(clientGroup)!,
    new LoadSpec(result.GetValue(valueSize), result.GetValue(batch), TimeSpan.FromSeconds(result.GetValue(warmup)), TimeSpan.FromSeconds(result.GetValue(duration)), result.GetValue(opsPerClient)) { Objects = result.GetValue(objects) },
    result.GetValue(samples)!,
    Console.In,
    Console.Out));
root.Subcommands.Add(benchNode);

var recoveryNode = new Command("recovery-node", "The restarted node of `paxos recovery` (started by it)") { Hidden = true };
recoveryNode.Options.Add(nodeConfig);
recoveryNode.SetAction((result, _) => PaxosActors.Cli.Recovery.RecoveryNodeCommand.RunAsync(result.GetValue(nodeConfig)!, Console.Out));
root.Subcommands.Add(recoveryNode);

return await root.Parse(args).InvokeAsync();
