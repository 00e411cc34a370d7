using Akka.Configuration;
using Akka.Persistence.TestKit;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Actors;

/// <summary>
/// An Akka.TestKit whose journal is Akka.Persistence.TestKit's TestJournal, so a test can make
/// writes fail (PersistenceTestKit itself is not on this project's package mirror).
/// </summary>
public abstract class JournalTestKit : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Config TestJournalConfig = ConfigurationFactory.FromResource<TestJournal>("Akka.Persistence.TestKit.config.conf");

    protected JournalTestKit(ITestOutputHelper output, string hocon)
        : base(ConfigurationFactory.ParseString(hocon).WithFallback(TestJournalConfig), "test", output)
    {
        Journal = TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null));
    }

    protected ITestJournal Journal { get; }

    /// <summary>A one-node group "g" on this system (quorum of one), with fast timeouts.</summary>
    protected const string SingleNodeGroup = """
        akka.loglevel = INFO
        paxos-actors {
          node-id = 1
          nodes { 1 = "akka://test" }
          groups { g { members = [1] } }
          propose-timeout = 2s
          proposer { prepare-timeout = 100ms, accept-timeout = 100ms, max-round-timeout = 200ms }
          acceptor { restart-min-backoff = 50ms, restart-max-backoff = 200ms }
          max-value-size = 1 KiB
          max-pending-proposals = 100
        }
        """;
}
