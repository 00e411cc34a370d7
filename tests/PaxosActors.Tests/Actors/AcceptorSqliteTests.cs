using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql;
using PaxosActors.Actors;
using PaxosActors.Core;
using PaxosActors.Messages;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Actors;

/// <summary>The acceptor on a real SQLite file, through either journal: what it promised and accepted survives a restart of the whole ActorSystem.</summary>
public sealed class AcceptorSqliteTests(ITestOutputHelper output) : IDisposable
{
    private static readonly NodeId Self = new(1), Peer = new(2);
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"paxos-acceptor-{Guid.NewGuid():N}.db");

    [Theory]
    [InlineData("paxos-actors.sqlite-journal")]
    [InlineData("akka.persistence.journal.sql")]
    public async Task Promise_and_accepted_value_survive_a_restart_from_the_sqlite_file(string journal)
    {
        await using (var first = new Node(_file, journal, output))
        {
            var acceptor = first.Start();
            first.Group.ExpectMsg<AcceptorRecovered>(TimeSpan.FromSeconds(30));
            acceptor.Tell(new Prepare(0, Peer, new Ballot(9, Peer)));
            Assert.True(first.Reply<PrepareReply>().Ok);
            acceptor.Tell(new Accept(0, Peer, new Ballot(9, Peer), [1, 2, 3], Checksum.Initial));
            Assert.True(first.Reply<AcceptReply>().Ok);
            acceptor.Tell(new Prepare(0, Peer, new Ballot(12, Peer)));
            Assert.True(first.Reply<PrepareReply>().Ok);
        }

        await using var second = new Node(_file, journal, output);
        second.Start();
        var state = second.Group.ExpectMsg<AcceptorRecovered>(TimeSpan.FromSeconds(30)).State;
        Assert.Equal(new Ballot(12, Peer), state.Promised);
        Assert.Equal(new Ballot(9, Peer), state.AcceptedBallot);
        Assert.Equal([1, 2, 3], state.AcceptedValue!);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in new[] { _file, _file + "-wal", _file + "-shm" })
        {
            File.Delete(f);
        }
    }

    private sealed class Node : Akka.TestKit.Xunit2.TestKit, IAsyncDisposable
    {
        public Node(string file, string journal, ITestOutputHelper output)
            : base(ConfigurationFactory.ParseString($$"""
                akka.persistence.journal.plugin = "{{journal}}"
                akka.persistence.journal.sql { connection-string = "Data Source={{file}}", provider-name = "SQLite.MS" }
                paxos-actors.sqlite-journal.path = "{{file.Replace('\\', '/')}}"
                akka.persistence.snapshot-store.plugin = "akka.persistence.no-snapshot-store"
                """).WithFallback(PaxosExtension.DefaultConfig).WithFallback(SqlPersistence.DefaultConfiguration), "sqlite", output)
        {
            Group = CreateTestProbe();
            PeerProbe = CreateTestProbe();
        }

        public Akka.TestKit.TestProbe Group { get; }

        public Akka.TestKit.TestProbe PeerProbe { get; }

        public IActorRef Start()
        {
            var router = new PeerRouter("g", Self, Group.Ref, new Dictionary<NodeId, ICanTell> { [Peer] = PeerProbe.Ref });
            return Sys.ActorOf(Props.Create(() => new AcceptorActor("paxos-g-1", Self, router, Group.Ref, string.Empty, new ProtocolOptions())));
        }

        public T Reply<T>()
            where T : PaxosMessage => (T)PeerProbe.ExpectMsg<PaxosEnvelope>(TimeSpan.FromSeconds(10)).Message;

        public async ValueTask DisposeAsync() => await Sys.Terminate();
    }
}
