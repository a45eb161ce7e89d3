using System.Net;
using System.Net.Sockets;
using Npgsql;
using Xunit;

namespace Bulwark.Shards.PostgreSql.Tests;

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL server";
}

/// <summary>
/// A throwaway PostgreSQL cluster for the test run: initdb into a fresh temp directory (trust authentication for the
/// local superuser 'bulwark', UTF-8), started by pg_ctl on a free loopback port with its unix socket in the same
/// directory, one database for the tests, and everything stopped and deleted at the end. Each test class gets its own
/// schema, so every test starts without the consensus table.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string SuperUser = "bulwark";
    private const string Database = "bulwark_tests";

    // pg_ctl -w waits until the server accepts connections, and gives up early by itself if the postmaster exits; this
    // only replaces its 60-second default, which a loaded machine can reach, with a bound no start comes near.
    private const string PgCtlWaitSeconds = "86400";

    private string? baseDirectory;
    private string? dataDirectory;

    /// <summary>True once the server accepts connections.</summary>
    public bool IsRunning { get; private set; }

    public int Port { get; private set; }

    /// <summary>Connects to the test database as the superuser; no connect or command timeout, so load cannot trip one.</summary>
    public string ConnectionString(string database = Database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = SuperUser,
        Database = database,
        Timeout = 0,
        CommandTimeout = 0,
    }.ConnectionString;

    public async Task InitializeAsync()
    {
        if (PostgresBinaries.Directory is null)
        {
            // Locally the tests are skipped by ConsensusFact; on CI they run, and this fails each of them.
            if (PostgresBinaries.IsCi)
            {
                throw new InvalidOperationException(PostgresBinaries.MissingMessage + " (CI=true: a missing server is a failure, not a skip)");
            }

            return;
        }

        baseDirectory = Path.Join(Path.GetTempPath(), "bulwark-pg-" + Guid.NewGuid().ToString("N")[..16]);
        Directory.CreateDirectory(baseDirectory);
        if (PostgresBinaries.RunAs is { } user)
        {
            var chown = await RunAsRootAsync("chown", user, baseDirectory);
            Require(chown, $"chown {user} {baseDirectory}");
        }

        dataDirectory = Path.Join(baseDirectory, "data");
        Require(
            await PostgresBinaries.RunAsync(PostgresBinaries.Program("initdb"), "-D", dataDirectory, "-U", SuperUser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"),
            "initdb");

        // A port found free can be taken before the server binds it (other test runs share the machine): try another.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreeLoopbackPort();
            var options = $"-p {Port} -k {baseDirectory} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c full_page_writes=off";
            var start = await PostgresBinaries.RunAsync(PostgresBinaries.Program("pg_ctl"), "start", "-D", dataDirectory, "-l", Path.Join(baseDirectory, "server.log"), "-w", "-t", PgCtlWaitSeconds, "-o", options);
            if (start.ExitCode == 0)
            {
                break;
            }

            var log = ReadLog();
            if (attempt < 5 && log.Contains("could not bind", StringComparison.Ordinal))
            {
                continue;
            }

            throw new InvalidOperationException($"pg_ctl start exited with {start.ExitCode}: {start.Output}\nserver.log:\n{log}");
        }

        IsRunning = true;
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", connection);
        await create.ExecuteNonQueryAsync();
    }

    /// <summary>A connection string to a new, empty schema (first on the search path), where the consensus table goes.</summary>
    public async Task<string> CreateSchemaAsync()
    {
        var schema = "t_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(ConnectionString()))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString()) { SearchPath = schema }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (baseDirectory is null)
        {
            return;
        }

        try
        {
            NpgsqlConnection.ClearAllPools();
            if (IsRunning)
            {
                var stop = await PostgresBinaries.RunAsync(PostgresBinaries.Program("pg_ctl"), "stop", "-D", dataDirectory!, "-m", "fast", "-w", "-t", PgCtlWaitSeconds);
                if (stop.ExitCode != 0)
                {
                    await PostgresBinaries.RunAsync(PostgresBinaries.Program("pg_ctl"), "stop", "-D", dataDirectory!, "-m", "immediate", "-w", "-t", PgCtlWaitSeconds);
                }
            }
        }
        finally
        {
            try
            {
                Directory.Delete(baseDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp directory must not fail the run that produced it.
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<(int ExitCode, string Output)> RunAsRootAsync(string program, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })
            ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    private static void Require((int ExitCode, string Output) result, string what)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} exited with {result.ExitCode}:\n{result.Output}");
        }
    }

    private string ReadLog()
    {
        try
        {
            return File.ReadAllText(Path.Join(baseDirectory!, "server.log"));
        }
        catch (IOException e)
        {
            return $"(no server.log: {e.Message})";
        }
    }
}
