using System.CommandLine;
using PaxosActors.Cli.Demo;

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

return await root.Parse(args).InvokeAsync();
