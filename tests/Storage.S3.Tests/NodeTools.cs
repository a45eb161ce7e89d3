using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Bulwark.Storage.S3.Tests;

/// <summary>
/// Finds Node.js and npm and installs js/package-lock.json (s3rver) with <c>npm ci</c>, once per lock file content and
/// across test processes, as the interop tests do with their readers: a test process that finds the marker of the
/// same lock file skips the install, one that does not installs while holding an OS file lock.
/// </summary>
internal static class NodeTools
{
    public const string MissingToolsMessage = "node/npm not found on PATH: the S3 tests start s3rver, which needs Node.js 20+";

    private const int MinimumNodeMajorVersion = 20;
    private const string InstalledMarkerName = ".bulwark-installed-lock-sha256";

    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(8);
    private static readonly Lazy<string?> NodeExecutable = new(FindNode);
    private static readonly Lazy<string?> NpmExecutable = new(() => FindOnPath(OperatingSystem.IsWindows() ? "npm.cmd" : "npm"));
    private static readonly Lazy<string> ProjectDirectoryPath = new(FindProjectDirectory);
    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static bool s_installed;

    /// <summary>True when node (of a supported version) and npm are on PATH.</summary>
    public static bool ToolsAvailable => NodeExecutable.Value is not null && NpmExecutable.Value is not null;

    /// <summary>CI must never skip these tests silently: a missing node there is a failure.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.Ordinal);

    /// <summary>Why the S3 tests are skipped here, or null when they run (tools present, or CI, where they fail instead).</summary>
    public static string? SkipReason => ToolsAvailable || IsCi ? null : MissingToolsMessage;

    public static string Node => NodeExecutable.Value ?? throw new InvalidOperationException(MissingToolsMessage);

    public static string ScriptsDirectory => Path.Combine(ProjectDirectoryPath.Value, "js");

    /// <summary>Runs <c>npm ci</c> in js/ unless the installed packages already match package-lock.json.</summary>
    public static async Task EnsureInstalledAsync()
    {
        if (!ToolsAvailable)
        {
            throw new InvalidOperationException(MissingToolsMessage);
        }

        if (Volatile.Read(ref s_installed))
        {
            return;
        }

        await InstallGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (s_installed)
            {
                return;
            }

            var lockHash = Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(ScriptsDirectory, "package-lock.json")).ConfigureAwait(false)));
            var marker = Path.Combine(ScriptsDirectory, "node_modules", InstalledMarkerName);
            if (!IsInstalled(marker, lockHash))
            {
                using var crossProcessLock = await AcquireInstallLockAsync().ConfigureAwait(false);
                if (!IsInstalled(marker, lockHash))
                {
                    var (exitCode, stdout, stderr) = await RunAsync(NpmExecutable.Value!, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], ScriptsDirectory, InstallTimeout).ConfigureAwait(false);
                    if (exitCode != 0)
                    {
                        throw new InvalidOperationException($"npm ci in {ScriptsDirectory} exited with {exitCode}.\nstderr:\n{stderr}\nstdout:\n{stdout}");
                    }

                    await File.WriteAllTextAsync(marker, lockHash).ConfigureAwait(false);
                }
            }

            Volatile.Write(ref s_installed, true);
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static bool IsInstalled(string marker, string lockHash) =>
        File.Exists(marker) && string.Equals(File.ReadAllText(marker).Trim(), lockHash, StringComparison.Ordinal);

    // An exclusive FileStream is an OS-level lock, and the OS drops it if the holder dies.
    private static async Task<FileStream> AcquireInstallLockAsync()
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ScriptsDirectory)))[..16];
        var path = Path.Combine(Path.GetTempPath(), $"bulwark-s3-npm-{key}.lock");
        var deadline = DateTime.UtcNow + InstallTimeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250).ConfigureAwait(false);
            }
        }
    }

    private static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunAsync(string fileName, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeoutSource = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout}.\nstderr:\n{await stderr.ConfigureAwait(false)}");
        }

        return (process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    private static string? FindNode()
    {
        var node = FindOnPath(OperatingSystem.IsWindows() ? "node.exe" : "node");
        if (node is null)
        {
            return null;
        }

        try
        {
            var version = RunAsync(node, ["--version"], Environment.CurrentDirectory, TimeSpan.FromSeconds(60)).GetAwaiter().GetResult().StandardOutput.Trim().TrimStart('v');
            var dot = version.IndexOf('.', StringComparison.Ordinal);
            return int.TryParse(dot < 0 ? version : version[..dot], out var major) && major >= MinimumNodeMajorVersion ? node : null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static string? FindOnPath(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string FindProjectDirectory()
    {
        var recorded = typeof(NodeTools).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "S3TestsSourceDirectory")?.Value;
        if (recorded is not null && File.Exists(Path.Combine(recorded, "js", "package-lock.json")))
        {
            return recorded;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "Storage.S3.Tests");
            if (File.Exists(Path.Combine(candidate, "js", "package-lock.json")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"No tests/Storage.S3.Tests/js/package-lock.json above {AppContext.BaseDirectory} or at {recorded}.");
    }
}
