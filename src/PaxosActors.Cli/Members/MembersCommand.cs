using System.Text.Json;
using PaxosActors.Cli.Client;

namespace PaxosActors.Cli.Members;

/// <summary>
/// `paxos members`: show a group's membership as a node has applied it, or ask a voting member
/// to add, remove or replace a node. Changes are compare-and-set when --expected-version is given.
/// </summary>
internal static class MembersCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The request for an operation and its arguments, or null after printing the usage.</summary>
    public static object? Request(string operation, string[] args, long? expectedVersion, TextWriter error)
    {
        object? request = (operation, args.Length) switch
        {
            ("show", 0) => GetMembership.Instance,
            ("add", 2) when int.TryParse(args[0], out var id) => new AddMember(id, args[1], expectedVersion),
            ("remove", 1) when int.TryParse(args[0], out var id) => new RemoveMember(id, expectedVersion),
            ("change", 3) when int.TryParse(args[0], out var old) && int.TryParse(args[1], out var fresh) => new ChangeMember(old, fresh, args[2], expectedVersion),
            _ => null,
        };
        if (request is null)
        {
            error.WriteLine($"members {operation}: use `members`, `members add ID ADDRESS`, `members remove ID` or `members change OLD-ID NEW-ID NEW-ADDRESS` (ids are integers).");
        }

        return request;
    }

    public static async Task<int> RunAsync(string? config, string node, string group, object request, bool json, TimeSpan timeout, TextWriter output, TextWriter error)
    {
        if (RemoteClient.ParseNode(node, error) is not { } address)
        {
            return 3;
        }

        using var client = RemoteClient.Open(config, error);
        if (client is null)
        {
            return 3;
        }

        switch (await client.AskAsync(address, group, request, timeout, error))
        {
            case null:
                return 2;
            case GroupMembership m:
                Print(m, instance: null, json, output);
                return 0;
            case MemberChangeSucceeded s:
                Print(s.Membership, s.InstanceId, json, output);
                return 0;
            case MemberChangeFailed f:
                if (json)
                {
                    output.WriteLine(JsonSerializer.Serialize(new { ok = false, reason = f.Reason.ToString(), message = f.Message, outcomeUnknown = f.OutcomeUnknown }, Json));
                }

                error.WriteLine($"{f.Reason}: {f.Message}{(f.OutcomeUnknown ? " (the change may still take effect)" : string.Empty)}");
                return 1;
            case var other:
                error.WriteLine($"unexpected reply {other}");
                return 1;
        }
    }

    private static void Print(GroupMembership m, long? instance, bool json, TextWriter output)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(
                new { ok = true, group = m.Group, version = m.Version, instance, members = m.Members.Select(e => new { id = e.NodeId, address = e.Address, voting = e.Voting }) },
                Json));
            return;
        }

        output.WriteLine($"group {m.Group}, membership version {m.Version}{(instance is { } i ? $" (changed at instance {i})" : string.Empty)}");
        foreach (var e in m.Members)
        {
            output.WriteLine($"  {e.NodeId,4}  {(e.Voting ? "voter  " : "learner")}  {e.Address}");
        }
    }
}
