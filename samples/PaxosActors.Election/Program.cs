using System.CommandLine;
using PaxosActors.Election;

var data = new Option<string>("--data") { Description = "Folder for the nodes' SQLite files (wiped first)", DefaultValueFactory = _ => Path.Combine("data", "election") };
var jobs = new Option<int>("--jobs") { Description = "Jobs each master runs before the demo moves on", DefaultValueFactory = _ => 50 };
var lease = new Option<double>("--lease") { Description = "The master lease, in seconds", DefaultValueFactory = _ => 3 };
var root = new RootCommand("election: a service that works only while it holds the master lease, fenced by the master version (3 local nodes; the master is stopped midway)");
root.Options.Add(data);
root.Options.Add(jobs);
root.Options.Add(lease);
root.SetAction(async (result, _) =>
{
    var report = await ElectionDemo.RunAsync(result.GetValue(data)!, result.GetValue(jobs), TimeSpan.FromSeconds(result.GetValue(lease)), Console.Out);
    Console.WriteLine(report.Sound ? "every job ran once, in order, and the late one was refused" : "FAILED: the jobs or the ledgers are not as they must be");
    return report.Sound ? 0 : 1;
});
return await root.Parse(args).InvokeAsync();
