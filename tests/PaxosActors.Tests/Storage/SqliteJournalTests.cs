using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Serialization;
using Microsoft.Data.Sqlite;
using PaxosActors.Persistence.Sqlite;
using Xunit.Abstractions;

namespace PaxosActors.Tests.Storage;

/// <summary>
/// PaxosActors' SQLite journal through Akka.Persistence itself: events of many persistent
/// actors written concurrently (group commit) come back in order after the whole ActorSystem
/// restarts; deletion keeps the highest sequence number; a value that cannot be serialized is
/// rejected alone; a file that cannot be written fails the write instead of acknowledging it.
/// </summary>
public sealed class SqliteJournalTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"paxos-journal-{Guid.NewGuid():N}", "node.db");

    [Fact]
    public async Task Concurrent_writers_share_commits_and_every_event_replays_in_order_after_a_restart()
    {
        const int actors = 16, events = 200;
        await using (var node = new Node(_file, output))
        {
            var writers = Enumerable.Range(0, actors).Select(a => node.Sys.ActorOf(Props.Create(() => new Recorder($"r{a}")))).ToList();
            for (var e = 0; e < events; e++)
            {
                writers.ForEach(w => w.Tell($"e{e}"));
            }

            foreach (var w in writers)
            {
                var stored = await w.Ask<IReadOnlyList<string>>(Recorder.Flush.Instance, TimeSpan.FromSeconds(30));
                Assert.Equal(events, stored.Count);
            }
        }

        await using var again = new Node(_file, output);
        for (var a = 0; a < actors; a++)
        {
            var recovered = await again.Sys.ActorOf(Props.Create(() => new Recorder($"r{a}"))).Ask<IReadOnlyList<string>>(Recorder.Flush.Instance, TimeSpan.FromSeconds(30));
            Assert.Equal(Enumerable.Range(0, events).Select(e => $"e{e}"), recovered);
        }
    }

    [Fact]
    public async Task Deleting_keeps_the_highest_sequence_number_so_it_is_never_reused()
    {
        await using (var node = new Node(_file, output))
        {
            var r = node.Sys.ActorOf(Props.Create(() => new Recorder("d")));
            foreach (var e in new[] { "a", "b", "c" })
            {
                r.Tell(e);
            }

            await r.Ask<IReadOnlyList<string>>(Recorder.Flush.Instance, TimeSpan.FromSeconds(10));
            Assert.Equal(3L, await r.Ask<long>(new Recorder.DeleteAll(), TimeSpan.FromSeconds(10)));
        }

        await using var again = new Node(_file, output);
        var back = again.Sys.ActorOf(Props.Create(() => new Recorder("d")));
        Assert.Empty(await back.Ask<IReadOnlyList<string>>(Recorder.Flush.Instance, TimeSpan.FromSeconds(10)));
        back.Tell("d");
        await back.Ask<IReadOnlyList<string>>(Recorder.Flush.Instance, TimeSpan.FromSeconds(10));
        Assert.Equal(4L, await back.Ask<long>(Recorder.GetLastSequenceNr.Instance, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task An_event_that_cannot_be_serialized_is_rejected_alone_and_the_rest_is_kept()
    {
        await using (var node = new Node(_file, output))
        {
            var r = node.Sys.ActorOf(Props.Create(() => new Recorder("s")));
            r.Tell("before");
            r.Tell(new Poison());
            r.Tell("after");
            var stored = await r.Ask<IReadOnlyList<string>>(Recorder.Flush.Instance, TimeSpan.FromSeconds(10));
            Assert.Equal(["before", "rejected", "after"], stored);
        }

        await using var again = new Node(_file, output);
        var back = again.Sys.ActorOf(Props.Create(() => new Recorder("s")));
        Assert.Equal(["before", "after"], await back.Ask<IReadOnlyList<string>>(Recorder.Flush.Instance, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_write_to_a_locked_file_fails_and_is_not_acknowledged()
    {
        await using var node = new Node(_file, output, "paxos-actors.sqlite-journal.busy-timeout = 1s");
        var r = node.Sys.ActorOf(Props.Create(() => new Recorder("l")));
        r.Tell("ok");
        await r.Ask<IReadOnlyList<string>>(Recorder.Flush.Instance, TimeSpan.FromSeconds(10));

        using var blocker = new SqliteConnection($"Data Source={_file}");
        blocker.Open();
        using (var begin = blocker.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE";
            begin.ExecuteNonQuery();
        }

        var probe = new Akka.TestKit.TestProbe(node.Sys, new Akka.TestKit.Xunit2.XunitAssertions());
        probe.Watch(r);
        r.Tell("lost");

        // Akka.Persistence stops an actor whose write failed: it must never see the event as stored.
        probe.ExpectTerminated(r, TimeSpan.FromSeconds(10));
        using (var rollback = blocker.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
        }

        var back = node.Sys.ActorOf(Props.Create(() => new Recorder("l")));
        Assert.Equal(["ok"], await back.Ask<IReadOnlyList<string>>(Recorder.Flush.Instance, TimeSpan.FromSeconds(10)));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(Path.GetDirectoryName(_file)!, recursive: true);
    }

    /// <summary>Bound to a serializer that always throws.</summary>
    private sealed class Poison;

    private sealed class PoisonSerializer(ExtendedActorSystem system) : Serializer(system)
    {
        public override int Identifier => 9999;

        public override bool IncludeManifest => false;

        public override byte[] ToBinary(object obj) => throw new InvalidOperationException("cannot serialize this");

        public override object FromBinary(byte[] bytes, Type? type) => throw new InvalidOperationException("cannot deserialize this");
    }

    /// <summary>Persists every string it is sent; answers Flush with everything stored so far.</summary>
    private sealed class Recorder(string id) : UntypedPersistentActor
    {
        private readonly List<string> _stored = [];
        private IActorRef _deleter = ActorRefs.Nobody;

        public override string PersistenceId => id;

        protected override void OnRecover(object message)
        {
            if (message is string s)
            {
                _stored.Add(s);
            }
        }

        protected override void OnCommand(object message)
        {
            switch (message)
            {
                case string or Poison:
                    PersistAsync(message, e => _stored.Add((string)e));
                    break;
                case Flush:
                    var sender = Sender;
                    DeferAsync(message, _ => sender.Tell(_stored.ToList()));
                    break;
                case DeleteAll:
                    _deleter = Sender;
                    DeleteMessages(base.LastSequenceNr);
                    break;
                case DeleteMessagesSuccess ok:
                    _stored.Clear();
                    _deleter.Tell(ok.ToSequenceNr);
                    break;
                case GetLastSequenceNr:
                    Sender.Tell(base.LastSequenceNr);
                    break;
            }
        }

        protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr) => _stored.Add("rejected");

        public sealed record Flush
        {
            public static readonly Flush Instance = new();
        }

        public sealed record DeleteAll;

        public sealed record GetLastSequenceNr
        {
            public static readonly GetLastSequenceNr Instance = new();
        }
    }

    private sealed class Node(string file, ITestOutputHelper output, string extra = "") : IAsyncDisposable
    {
        public ActorSystem Sys { get; } = ActorSystem.Create("journal", ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.persistence.journal.plugin = "{{SqliteJournal.ConfigPath}}"
            akka.persistence.snapshot-store.plugin = "akka.persistence.no-snapshot-store"
            paxos-actors.sqlite-journal.path = "{{file.Replace('\\', '/')}}"
            akka.actor.serializers.poison = "{{typeof(PoisonSerializer).AssemblyQualifiedName}}"
            akka.actor.serialization-bindings { "{{typeof(Poison).AssemblyQualifiedName}}" = poison }
            {{extra}}
            """).WithFallback(PaxosExtension.DefaultConfig));

        public async ValueTask DisposeAsync()
        {
            output.WriteLine($"{Sys.Name} on {file} stopping");
            await Sys.Terminate();
        }
    }
}
