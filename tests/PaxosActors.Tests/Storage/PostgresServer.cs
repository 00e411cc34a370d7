using System.Diagnostics;
using Npgsql;

namespace PaxosActors.Tests.Storage;

/// <summary>
/// A PostgreSQL server for the tests: the one named by PAXOS_POSTGRES (a connection string
/// without a database), or else a private one started from Debian's postgresql package
/// (initdb in a temp folder, run as the postgres user, on a free port, stopped afterwards).
/// Without either the tests that need it fail and say how to get one: .ci/run installs the
/// package.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string? _folder;
    private string? _pgCtl;

    /// <summary>Server and credentials, without a database.</summary>
    public string Connection { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("PAXOS_POSTGRES") is { Length: > 0 } given)
        {
            Connection = given;
            return;
        }

        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin")).FirstOrDefault(b => File.Exists(Path.Combine(b, "initdb")))
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("These tests need PostgreSQL: set PAXOS_POSTGRES to a server's connection string, or install Debian's postgresql package (apt-get install postgresql), as .ci/run does.");
        }

        _folder = Path.Combine(Path.GetTempPath(), "paxos-pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        _pgCtl = Path.Combine(bin, "pg_ctl");
        var port = Hosting.LocalNodeConfig.FreePorts(1)[1];
        await RunAsync("chown", ["postgres", _folder]);
        await RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, "initdb"), "-D", Path.Combine(_folder, "data"), "-A", "trust", "-U", "paxos"]);
        await RunAsync("runuser", ["-u", "postgres", "--", _pgCtl, "-D", Path.Combine(_folder, "data"), "-w", "-l", Path.Combine(_folder, "log"),
            "-o", $"-p {port} -k {_folder} -c listen_addresses=127.0.0.1", "start"]);
        Connection = $"Host=127.0.0.1;Port={port};Username=paxos";
    }

    /// <summary>Creates (or recreates) a database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(Connection + ";Database=postgres");
        await connection.OpenAsync();
        foreach (var sql in new[] { $"DROP DATABASE IF EXISTS {name} WITH (FORCE)", $"CREATE DATABASE {name}" })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        return $"{Connection};Database={name}";
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_folder is null || _pgCtl is null)
        {
            return;
        }

        await RunAsync("runuser", ["-u", "postgres", "--", _pgCtl, "-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop"]);
        Directory.Delete(_folder, recursive: true);
    }

    private static async Task RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {await output}{await error}");
        }
    }
}
