using System.CommandLine;
using PaxosActors.Cli.Bench;
using PaxosActors.Cli.Demo;
using PaxosActors.Cli.Lincheck;
using PaxosActors.Cli.Node;

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
var lincheck = new Command("lincheck", "Check a key-value history for linearizability: exit 0 yes, 1 no, 2 undecided, 3 bad input");
lincheck.Arguments.Add(historyFile);
lincheck.Options.Add(timeLimit);
lincheck.SetAction(result => LincheckCommand.Run(result.GetValue(historyFile)!, TimeSpan.FromSeconds(result.GetValue(timeLimit)), Console.Out, Console.Error));
root.Subcommands.Add(lincheck);

var configFile = new Option<string>("--config") { Description = "The node's HOCON file (see hocon/node1.conf)", Required = true };
var node = new Command("node", "Run one node from a HOCON file, serving its groups with the replicated KV store, until SIGINT/SIGTERM");
node.Options.Add(configFile);
node.SetAction((result, _) => NodeCommand.RunAsync(result.GetValue(configFile)!, Console.Out, Console.Error));
root.Subcommands.Add(node);

var groups = new Option<int>("--groups") { Description = "Paxos groups (each an independent log)", DefaultValueFactory = _ => 1 };
var clients = new Option<int>("--clients") { Description = "Concurrent clients, spread over the nodes and groups", DefaultValueFactory = _ => 8 };
var valueSize = new Option<int>("--value-size") { Description = "Bytes per proposed value", DefaultValueFactory = _ => 100 };
var duration = new Option<double>("--duration") { Description = "Seconds measured (after the warm-up)", DefaultValueFactory = _ => 10 };
var warmup = new Option<double>("--warmup") { Description = "Seconds of load before measuring", DefaultValueFactory = _ => 2 };
var json = new Option<string?>("--json") { Description = "Also write the figures to this JSON file" };
var benchData = new Option<string>("--data") { Description = "Folder for the nodes' SQLite files (wiped first)", DefaultValueFactory = _ => Path.Combine("data", "bench") };
var bench = new Command("bench", "Measure throughput and latency: 3 nodes on 127.0.0.1 with SQLite, N concurrent clients");
foreach (var o in new Option[] { groups, clients, valueSize, duration, warmup, json, benchData })
{
    bench.Options.Add(o);
}

bench.SetAction(async (result, _) =>
{
    var options = new BenchOptions(result.GetValue(groups), result.GetValue(clients), result.GetValue(valueSize),
        TimeSpan.FromSeconds(result.GetValue(duration)), TimeSpan.FromSeconds(result.GetValue(warmup)), result.GetValue(benchData)!, result.GetValue(json));
    await BenchCommand.RunAsync(options, Console.Out);
    return 0;
});
root.Subcommands.Add(bench);

return await root.Parse(args).InvokeAsync();
