using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Data.Sqlite;
using PaxosActors.Core;
using PaxosActors.Kv;
using PaxosActors.Serialization;

namespace PaxosActors.Cli.Log;

/// <summary>
/// `paxos log --data FILE`: reads a stopped node's SQLite journal, offline and read-only. Without
/// <c>--group</c> it lists the groups in the file; with it, the group's chosen instances (ballot
/// where the record names one, chained checksum, the commands in each value, decoded where a
/// serializer of this tool knows them), and with <c>--verify</c> it recomputes the checksum
/// chain: exit 0 when it holds, 1 when it breaks (the first break is named), 3 for bad input.
/// </summary>
internal static class LogCommand
{
    private const string Prefix = "paxos-";

    public static int Run(string file, string? group, long from, int count, bool verify, bool json, TextWriter output, TextWriter error)
    {
        if (!File.Exists(file))
        {
            error.WriteLine($"{file}: no such file");
            return 3;
        }

        List<(string PersistenceId, long Events)> journals;
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        try
        {
            connection.Open();
            journals = Journals(connection);
        }
        catch (SqliteException e)
        {
            error.WriteLine($"{file}: not a PaxosActors SQLite journal ({e.Message})");
            return 3;
        }

        if (group is null)
        {
            return ListGroups(journals, json, output);
        }

        var id = journals.Select(j => j.PersistenceId).FirstOrDefault(p => GroupOf(p) == group);
        if (id is null)
        {
            error.WriteLine($"{file}: no group '{group}' (it has: {string.Join(", ", journals.Select(j => GroupOf(j.PersistenceId)))})");
            return 3;
        }

        using var system = ActorSystem.Create("paxos-log", ConfigurationFactory.ParseString("akka.loglevel = OFF").WithFallback(KvStateMachine.Config).WithFallback(PaxosExtension.DefaultConfig).WithFallback(RemoteSerializers()));
        List<AcceptorEvent> events;
        try
        {
            events = Events(connection, id, system);
        }
        catch (PaxosFormatException e)
        {
            error.WriteLine($"{file}: an event of group '{group}' does not decode: {e.Message}");
            return 3;
        }

        var (instances, broken) = Chain(events);
        var commands = new CommandPrinter(system);
        var shown = instances.Where(i => i.Number >= from).Take(count).ToList();
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                group,
                persistenceId = id,
                first = instances.FirstOrDefault()?.Number,
                next = instances.Count == 0 ? (long?)null : instances[^1].Number + 1,
                verified = verify ? broken is null : (bool?)null,
                firstBreak = verify ? broken : null,
                instances = shown.Select(i => new
                {
                    instance = i.Number,
                    ballot = i.Ballot?.ToString(),
                    checksum = i.Checksum.ToString("x16"),
                    bytes = i.Value.Length,
                    commands = commands.Describe(i.Value),
                }),
            }));
        }
        else
        {
            output.WriteLine($"group {group} ({id}): {events.Count} events, chosen instances {(instances.Count == 0 ? "none" : $"{instances[0].Number}..{instances[^1].Number}")}");
            foreach (var i in shown)
            {
                output.WriteLine($"{i.Number,10}  ballot {i.Ballot?.ToString() ?? "-",-10}  checksum {i.Checksum:x16}  {i.Value.Length,6} B  {string.Join("; ", commands.Describe(i.Value))}");
            }

            if (verify)
            {
                output.WriteLine(broken is null ? $"checksum chain verified over {instances.Count} instances" : $"checksum chain BROKEN: {broken}");
            }
        }

        return verify && broken is not null ? 1 : 0;
    }

    /// <summary>The chosen log in order, and the first place where the checksum chain breaks (null: it holds).</summary>
    internal static (List<Chosen> Instances, string? Broken) Chain(IReadOnlyList<AcceptorEvent> events)
    {
        var log = new ChosenLog();
        var instances = new List<Chosen>();
        var previous = Checksum.Initial;
        string? broken = null;
        foreach (var e in events)
        {
            var first = log.First;
            if (log.Add(e) is not { } chosen)
            {
                if (log.First != first)
                {
                    // A truncated journal's first mark, or an installed checkpoint: the chain starts again there.
                    previous = log.FirstPreviousChecksum;
                    instances.Clear();
                }

                continue;
            }

            var expected = Checksum.Next(previous, chosen.Value);
            if (expected != chosen.Checksum)
            {
                broken ??= $"instance {chosen.Instance} records checksum {chosen.Checksum:x16}, its value and the one before give {expected:x16}";
            }

            previous = chosen.Checksum;
            instances.Add(new Chosen(chosen.Instance, (e as ChosenAccepted)?.Ballot, chosen.Checksum, chosen.Value));
        }

        return (instances, broken);
    }

    private static int ListGroups(List<(string PersistenceId, long Events)> journals, bool json, TextWriter output)
    {
        var groups = journals.Where(j => j.PersistenceId.StartsWith(Prefix, StringComparison.Ordinal)).ToList();
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(groups.Select(g => new { group = GroupOf(g.PersistenceId), persistenceId = g.PersistenceId, events = g.Events })));
            return 0;
        }

        foreach (var (id, events) in groups)
        {
            output.WriteLine($"{GroupOf(id),-20} {id,-30} {events,10} events");
        }

        return 0;
    }

    /// <summary>
    /// Akka.Remote's reference configuration, for its serializers (strings and numbers go by its
    /// primitive serializer on a node): this tool's system stays local and opens no port.
    /// </summary>
    private static Config RemoteSerializers()
    {
        using var stream = typeof(Akka.Remote.RemoteActorRefProvider).Assembly.GetManifestResourceStream("Akka.Remote.Configuration.Remote.conf");
        return stream is null ? Config.Empty : ConfigurationFactory.ParseString(new StreamReader(stream).ReadToEnd());
    }

    // persistence id: paxos-<group>-<node id>
    private static string GroupOf(string persistenceId) =>
        persistenceId.StartsWith(Prefix, StringComparison.Ordinal) && persistenceId.LastIndexOf('-') is var dash and > 5
            ? persistenceId[Prefix.Length..dash]
            : persistenceId;

    private static List<(string, long)> Journals(SqliteConnection connection)
    {
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT persistence_id, count(*) FROM paxos_journal GROUP BY persistence_id ORDER BY persistence_id";
        using var rows = query.ExecuteReader();
        var result = new List<(string, long)>();
        while (rows.Read())
        {
            result.Add((rows.GetString(0), rows.GetInt64(1)));
        }

        return result;
    }

    private static List<AcceptorEvent> Events(SqliteConnection connection, string persistenceId, ActorSystem system)
    {
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT serializer_id, manifest, payload FROM paxos_journal WHERE persistence_id = $id ORDER BY sequence_nr";
        query.Parameters.AddWithValue("$id", persistenceId);
        using var rows = query.ExecuteReader();
        var events = new List<AcceptorEvent>();
        while (rows.Read())
        {
            if (rows.GetInt32(0) != PaxosEventSerializer.Id)
            {
                throw new PaxosFormatException($"serializer {rows.GetInt32(0)} is not PaxosActors' event serializer ({PaxosEventSerializer.Id})");
            }

            var payload = rows.GetValue(2) as byte[] ?? throw new PaxosFormatException($"event {events.Count + 1} is not stored as bytes");
            events.Add((AcceptorEvent)system.Serialization.Deserialize(payload, PaxosEventSerializer.Id, rows.GetString(1)));
        }

        return events;
    }

    internal sealed record Chosen(long Number, Ballot? Ballot, ulong Checksum, byte[] Value);

    /// <summary>Prints a value's commands, deserialized by an actor system that knows the KV commands and Hyperion (no remoting).</summary>
    private sealed class CommandPrinter(ActorSystem system)
    {
        public IEnumerable<string> Describe(byte[] value)
        {
            ProposalValue decoded;
            try
            {
                decoded = ProposalValue.Decode(value);
            }
            catch (PaxosFormatException e)
            {
                return [$"(not a value: {e.Message})"];
            }

            return decoded.Commands.Select(c => $"{c.Origin}/{c.Session}/{c.Sequence} sm {c.StateMachineId}: {Command(c)}");
        }

        private string Command(StoredCommand c)
        {
            if (c.StateMachineId == StoredCommand.FenceMachine)
            {
                return "(fence)";
            }

            try
            {
                return system.Serialization.Deserialize(c.Payload, c.SerializerId, c.Manifest)?.ToString() ?? "null";
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return $"({c.Payload.Length} B, serializer {c.SerializerId} '{c.Manifest}')";
            }
        }
    }
}
