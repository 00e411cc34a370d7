using System.Reflection;
using PublicApiGenerator;

namespace PaxosActors.Tests.Api;

/// <summary>
/// The public surface of every shipped assembly, compared with the approved text in this folder:
/// any change to the API shows as a diff in review. After a deliberate change, run the tests
/// with PAXOS_UPDATE_API=1 and commit the new files.
/// </summary>
public sealed class PublicApiTests
{
    public static TheoryData<string> Assemblies() =>
    [
        "PaxosActors",
        "PaxosActors.Core",
        "PaxosActors.Kv",
        "PaxosActors.TestKit",
        "PaxosActors.Hosting",
        "PaxosActors.Persistence.Sqlite",
    ];

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void The_public_api_is_the_approved_one(string assembly)
    {
        var api = Assembly.Load(assembly).GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false }).ReplaceLineEndings("\n");
        var file = Path.Combine(RepoRoot.Path, "tests", "PaxosActors.Tests", "Api", $"{assembly}.approved.txt");
        if (Environment.GetEnvironmentVariable("PAXOS_UPDATE_API") == "1")
        {
            File.WriteAllText(file, api);
        }

        Assert.True(File.Exists(file), $"{file} is missing: run the tests with PAXOS_UPDATE_API=1 and commit it.");
        Assert.True(File.ReadAllText(file).ReplaceLineEndings("\n") == api, $"The public API of {assembly} changed: run the tests with PAXOS_UPDATE_API=1 and review the diff of {Path.GetFileName(file)}.");
    }
}
