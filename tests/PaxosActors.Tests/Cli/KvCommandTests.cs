using PaxosActors.Cli.Kv;
using PaxosActors.Kv;
using PaxosActors.Security;
using PaxosActors.TestKit;

namespace PaxosActors.Tests.Cli;

/// <summary>`paxos kv` against a cluster over mutual TLS: with a trusted client certificate it works, without one it is refused; a get writes nothing.</summary>
public sealed class KvCommandTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Kv_reaches_a_tls_cluster_with_a_client_certificate_and_not_without()
    {
        await using var cluster = await PaxosTestCluster.StartAsync(new PaxosTestClusterOptions
        {
            Nodes = 3,
            Tls = true,
            Groups = ["kv"],
            StateMachines = (_, _) => [new KvStateMachine()],
            ExtraConfig = KvStateMachine.Config.Root + "\nakka.loglevel = ERROR\nakka.remote.log-remote-lifecycle-events = off",
        });
        var nodes = string.Join("\n", cluster.Nodes.Select(n => $"  {n} = \"{cluster.Address(n)}\""));
        var trusted = Write(cluster, $"paxos-actors.nodes {{\n{nodes}\n}}\n" + cluster.TlsConfig("client", cluster.Certificates!.Client("paxos", "tester")));
        var stranger = Write(cluster, $"paxos-actors.nodes {{\n{nodes}\n}}\n" + cluster.TlsConfig("stranger", DevCertificates.Create("stranger CA").Client("paxos", "tester")));

        var output = new StringWriter();
        var error = new StringWriter();
        Assert.Equal(0, await KvCommand.RunAsync(trusted, null, "kv", Command("put", "greeting", "hello"), json: false, Wait, output, error));
        Assert.Equal(0, await KvCommand.RunAsync(trusted, null, "kv", Command("append", "greeting", " world"), json: false, Wait, output, error));
        Assert.Equal(0, await KvCommand.RunAsync(trusted, null, "kv", Command("get", "greeting", null), json: false, Wait, output, error));
        Assert.EndsWith("hello world", output.ToString().TrimEnd(), StringComparison.Ordinal);

        // One node by address, and a compare-and-set: it holds only against the current value.
        var node2 = cluster.Address(2).ToString();
        Assert.Equal(1, await KvCommand.RunAsync(trusted, node2, "kv", KvCommand.Command("cas", "greeting", "bye", "hello", TextWriter.Null)!, json: false, Wait, output, error));
        Assert.Equal(0, await KvCommand.RunAsync(trusted, node2, "kv", KvCommand.Command("cas", "greeting", "bye", "hello world", TextWriter.Null)!, json: false, Wait, output, error));
        Assert.Null(KvCommand.Command("cas", "greeting", "bye", null, TextWriter.Null));
        Assert.Equal(3, await KvCommand.RunAsync(trusted, "9001", "kv", Command("get", "greeting", null), json: false, Wait, output, error));

        var refused = new StringWriter();
        Assert.NotEqual(0, await KvCommand.RunAsync(stranger, null, "kv", Command("put", "greeting", "forged"), json: false, TimeSpan.FromSeconds(2), TextWriter.Null, refused));
        Assert.Contains("no node answered", refused.ToString(), StringComparison.Ordinal);
        var before = (await cluster.AwaitConvergenceAsync(Wait, group: "kv"))[0].Executed;
        Assert.Equal(0, await KvCommand.RunAsync(trusted, null, "kv", Command("get", "greeting", null), json: false, Wait, output, error));
        Assert.EndsWith("bye", output.ToString().TrimEnd(), StringComparison.Ordinal);

        // A get is a read: nothing went into the log.
        Assert.Equal(before, (await cluster.AwaitConvergenceAsync(Wait, group: "kv"))[0].Executed);
    }

    private static IKvCommand Command(string operation, string key, string? value) => KvCommand.Command(operation, key, value, null, TextWriter.Null)!;

    private static string Write(PaxosTestCluster cluster, string hocon)
    {
        var file = Path.Combine(cluster.DataDirectory, Guid.NewGuid().ToString("N") + ".conf");
        File.WriteAllText(file, hocon);
        return file;
    }
}
