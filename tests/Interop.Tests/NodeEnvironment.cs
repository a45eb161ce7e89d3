using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Bulwark.Interop.Tests;

/// <summary>What one finished node or npm process printed.</summary>
internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Locates Node.js, installs the reference readers pinned in js/package-lock.json (once per lock file content, across
/// test processes too) and runs the scripts in js/ with timeouts.
/// </summary>
internal static class NodeEnvironment
{
    public const string MissingToolsMessage = "node/npm not found on PATH: interop tests need Node.js 20+";

    private const int MinimumNodeMajorVersion = 20;
    private const string InstalledMarkerName = ".bulwark-installed-lock-sha256";

    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(8);
    private static readonly TimeSpan DefaultScriptTimeout = TimeSpan.FromMinutes(3);

    private static readonly Lazy<string?> NodeExecutable = new(FindNode);
    private static readonly Lazy<string?> NpmExecutable = new(() => FindOnPath(OperatingSystem.IsWindows() ? "npm.cmd" : "npm"));
    private static readonly Lazy<string> RepoRootPath = new(FindRepoRoot);

    // Tests of several classes run in parallel; only the first of them may run npm ci.
    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static bool s_installed;

    /// <summary>True when node (of a supported version) and npm are on PATH.</summary>
    public static bool ToolsAvailable => NodeExecutable.Value is not null && NpmExecutable.Value is not null;

    /// <summary>CI must never skip the interop tests silently: a missing node there is a failure.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.Ordinal);

    public static string RepoRoot => RepoRootPath.Value;

    public static string ScriptsDirectory => Path.Combine(RepoRoot, "tests", "Interop.Tests", "js");

    /// <summary>Runs <c>npm ci</c> in js/ unless the installed packages already match package-lock.json.</summary>
    public static async Task EnsureInstalledAsync()
    {
        RequireTools();
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

                // Another test process may have installed while this one waited for the lock.
                if (!IsInstalled(marker, lockHash))
                {
                    var result = await RunAsync(NpmExecutable.Value!, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], ScriptsDirectory, InstallTimeout).ConfigureAwait(false);
                    if (result.ExitCode != 0)
                    {
                        throw new InvalidOperationException($"npm ci in {ScriptsDirectory} exited with {result.ExitCode}.\nstderr:\n{result.StandardError}\nstdout:\n{result.StandardOutput}");
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

    /// <summary>Runs <c>node js/<paramref name="script"/> args</c>; a non-zero exit fails with both output streams in the message.</summary>
    public static async Task<ProcessResult> RunScriptAsync(string script, IReadOnlyList<string> arguments, TimeSpan? timeout = null)
    {
        await EnsureInstalledAsync().ConfigureAwait(false);
        var result = await RunAsync(NodeExecutable.Value!, [Path.Combine(ScriptsDirectory, script), .. arguments], ScriptsDirectory, timeout ?? DefaultScriptTimeout).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"node {script} {string.Join(' ', arguments)} exited with {result.ExitCode}.\nstderr:\n{result.StandardError}\nstdout (first 4000 chars):\n{Truncate(result.StandardOutput, 4000)}");
        }

        return result;
    }

    public static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + $"... ({text.Length - max} more chars)";

    private static void RequireTools()
    {
        if (!ToolsAvailable)
        {
            throw new InvalidOperationException(MissingToolsMessage);
        }
    }

    private static bool IsInstalled(string marker, string lockHash) =>
        File.Exists(marker) && string.Equals(File.ReadAllText(marker).Trim(), lockHash, StringComparison.Ordinal);

    // An exclusive FileStream is an OS-level lock on every platform .NET runs on, and the OS drops it if the holder dies.
    private static async Task<FileStream> AcquireInstallLockAsync()
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ScriptsDirectory)))[..16];
        var path = Path.Combine(Path.GetTempPath(), $"bulwark-interop-npm-{key}.lock");
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

    private static async Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
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

        return new ProcessResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    private static string? FindNode()
    {
        var node = FindOnPath(OperatingSystem.IsWindows() ? "node.exe" : "node");
        if (node is null)
        {
            return null;
        }

        // An old node on PATH counts as no node: the scripts use syntax and APIs of Node.js 20.
        try
        {
            var version = RunAsync(node, ["--version"], Environment.CurrentDirectory, TimeSpan.FromSeconds(30)).GetAwaiter().GetResult().StandardOutput.Trim().TrimStart('v');
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

    private static string FindRepoRoot()
    {
        var sourceDirectory = typeof(NodeEnvironment).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "InteropSourceDirectory")?.Value;
        foreach (var start in new[] { AppContext.BaseDirectory, sourceDirectory })
        {
            for (var directory = start is null ? null : new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Bulwark.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException($"No directory holding Bulwark.sln above {AppContext.BaseDirectory} or {sourceDirectory}.");
    }
}
