using System.CommandLine;
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

return await root.Parse(args).InvokeAsync();
