using System.Diagnostics;
using System.Text;

namespace Bulwark.Shards.PostgreSql.Tests;

/// <summary>Finds PostgreSQL's server programs (initdb, pg_ctl, postgres) and runs them, as another user when root.</summary>
internal static class PostgresBinaries
{
    public const string MissingMessage =
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in $BULWARK_PG_BIN (when set), else /usr/lib/postgresql/*/bin or on PATH: " +
        "run tests/Shards.PostgreSql.Tests/ensure-postgres.sh (as root it installs Debian's postgresql package)";

    private static readonly string[] Programs = ["initdb", "pg_ctl", "postgres"];
    private static readonly Lazy<string?> Found = new(Find);
    private static readonly Lazy<string?> ServerUser = new(FindServerUser);

    /// <summary>The directory holding the three programs, or null.</summary>
    public static string? Directory => Found.Value;

    /// <summary>CI must never skip these tests silently: without a server there, they run and fail.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.Ordinal);

    public static string? SkipReason() => Directory is not null || IsCi ? null : MissingMessage;

    /// <summary>
    /// initdb and postgres refuse to run as root. As root the cluster is owned by, and the programs run as, the
    /// 'postgres' account (Debian's package creates it) or else 'nobody'; otherwise as the current user (null).
    /// </summary>
    public static string? RunAs => ServerUser.Value;

    public static string Program(string name) => Path.Join(Directory ?? throw new InvalidOperationException(MissingMessage), name);

    /// <summary>Runs <paramref name="fileName"/> (as <see cref="RunAs"/> through runuser when root) to its end.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, params string[] arguments)
    {
        var startInfo = RunAs is { } user ? new ProcessStartInfo("runuser") : new ProcessStartInfo(fileName);
        if (RunAs is not null)
        {
            foreach (var argument in new[] { "-u", RunAs, "--", fileName })
            {
                startInfo.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.RedirectStandardInput = true;
        startInfo.UseShellExecute = false;
        startInfo.WorkingDirectory = Path.GetTempPath();
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();

        // No deadline: every program run here ends by itself (pg_ctl is told not to wait for the server).
        await process.WaitForExitAsync();
        var output = new StringBuilder().Append(await stdout).Append(await stderr).ToString();
        return (process.ExitCode, output);
    }

    private static string? Find()
    {
        // A configured directory is the only one looked at, so a wrong setting shows instead of being papered over.
        if (Environment.GetEnvironmentVariable("BULWARK_PG_BIN") is { Length: > 0 } configured)
        {
            return Programs.All(p => File.Exists(Path.Join(configured, p))) ? configured : null;
        }

        var candidates = new List<string>();

        // Debian and Ubuntu keep each major version apart; the newest installed one is taken.
        if (System.IO.Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(System.IO.Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var major) ? major : -1)
                .Select(d => Path.Join(d, "bin")));
        }

        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        return candidates.FirstOrDefault(d => Programs.All(p => File.Exists(Path.Join(d, p))));
    }

    private static string? FindServerUser()
    {
        if (!Environment.IsPrivilegedProcess || OperatingSystem.IsWindows())
        {
            return null;
        }

        var accounts = File.Exists("/etc/passwd") ? File.ReadAllLines("/etc/passwd").Select(l => l.Split(':')[0]).ToHashSet(StringComparer.Ordinal) : [];
        return accounts.Contains("postgres") ? "postgres" : "nobody";
    }
}
