using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Bulwark.Tests.Shared;

/// <summary>What one finished node or npm process printed.</summary>
internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Node.js and npm for the test projects that drive JavaScript peers (the interop readers, s3rver): finds them on PATH
/// and installs a directory's package-lock.json with <c>npm ci</c> once per lock file content, across test processes
/// too — a process that finds the marker of the same lock file skips the install, one that does not installs while
/// holding an OS file lock. Linked into each project that needs it, so there is one copy of this logic.
/// </summary>
internal static class NodePackages
{
    private const int MinimumNodeMajorVersion = 20;
    private const string InstalledMarkerName = ".bulwark-installed-lock-sha256";

    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(8);
    private static readonly Lazy<string?> NodeExecutable = new(FindNode);
    private static readonly Lazy<string?> NpmExecutable = new(() => FindOnPath(OperatingSystem.IsWindows() ? "npm.cmd" : "npm"));

    // Tests of several classes run in parallel; only the first of them may run npm ci in a directory.
    private static readonly ConcurrentDictionary<string, Lazy<Task>> Installs = new(StringComparer.Ordinal);

    /// <summary>True when node (of a supported version) and npm are on PATH.</summary>
    public static bool ToolsAvailable => NodeExecutable.Value is not null && NpmExecutable.Value is not null;

    /// <summary>CI must never skip these tests silently: a missing node there is a failure.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.Ordinal);

    /// <summary>The node executable; <paramref name="missingMessage"/> when there is none.</summary>
    public static string Node(string missingMessage) => NodeExecutable.Value ?? throw new InvalidOperationException(missingMessage);

    /// <summary>Runs <c>npm ci</c> in <paramref name="directory"/> unless its installed packages already match its package-lock.json.</summary>
    public static Task EnsureInstalledAsync(string directory, string missingMessage)
    {
        if (!ToolsAvailable)
        {
            throw new InvalidOperationException(missingMessage);
        }

        // A failed install is not cached: the next test tries again and reports its own error.
        var install = Installs.GetOrAdd(directory, d => new Lazy<Task>(() => InstallAsync(d)));
        return AwaitOrForgetAsync(directory, install);
    }

    public static async Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout)
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

    private static async Task AwaitOrForgetAsync(string directory, Lazy<Task> install)
    {
        try
        {
            await install.Value.ConfigureAwait(false);
        }
        catch
        {
            Installs.TryRemove(new KeyValuePair<string, Lazy<Task>>(directory, install));
            throw;
        }
    }

    private static async Task InstallAsync(string directory)
    {
        var lockHash = Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(directory, "package-lock.json")).ConfigureAwait(false)));
        var marker = Path.Combine(directory, "node_modules", InstalledMarkerName);
        if (IsInstalled(marker, lockHash))
        {
            return;
        }

        using var crossProcessLock = await AcquireInstallLockAsync(directory).ConfigureAwait(false);

        // Another test process may have installed while this one waited for the lock.
        if (IsInstalled(marker, lockHash))
        {
            return;
        }

        var result = await RunAsync(NpmExecutable.Value!, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], directory, InstallTimeout).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm ci in {directory} exited with {result.ExitCode}.\nstderr:\n{result.StandardError}\nstdout:\n{result.StandardOutput}");
        }

        await File.WriteAllTextAsync(marker, lockHash).ConfigureAwait(false);
    }

    private static bool IsInstalled(string marker, string lockHash) =>
        File.Exists(marker) && string.Equals(File.ReadAllText(marker).Trim(), lockHash, StringComparison.Ordinal);

    // An exclusive FileStream is an OS-level lock on every platform .NET runs on, and the OS drops it if the holder dies.
    private static async Task<FileStream> AcquireInstallLockAsync(string directory)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(directory)))[..16];
        var path = Path.Combine(Path.GetTempPath(), $"bulwark-npm-{key}.lock");
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
}
