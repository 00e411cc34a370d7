namespace PaxosActors.Core.Tests;

/// <summary>The protocol core stays pure: no Akka, no I/O libraries.</summary>
public sealed class PurityTests
{
    [Fact]
    public void The_core_assembly_references_no_akka()
    {
        var references = typeof(Ballot).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(references, name => name.StartsWith("Akka", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("System.IO.Hashing", references);
    }
}
