using System.Reflection;
using Bulwark.Tests.Shared;

namespace Bulwark.Interop.Tests;

/// <summary>
/// Node.js for the interop tests: the reference readers pinned in js/package-lock.json (installed by
/// <see cref="NodePackages"/>) and the scripts in js/, run with timeouts.
/// </summary>
internal static class NodeEnvironment
{
    public const string MissingToolsMessage = "node/npm not found on PATH: interop tests need Node.js 20+";

    private static readonly TimeSpan DefaultScriptTimeout = TimeSpan.FromMinutes(3);
    private static readonly Lazy<string> RepoRootPath = new(FindRepoRoot);

    /// <summary>True when node (of a supported version) and npm are on PATH.</summary>
    public static bool ToolsAvailable => NodePackages.ToolsAvailable;

    /// <summary>CI must never skip the interop tests silently: a missing node there is a failure.</summary>
    public static bool IsCi => NodePackages.IsCi;

    public static string RepoRoot => RepoRootPath.Value;

    public static string ScriptsDirectory => Path.Combine(RepoRoot, "tests", "Interop.Tests", "js");

    /// <summary>Runs <c>npm ci</c> in js/ unless the installed packages already match package-lock.json.</summary>
    public static Task EnsureInstalledAsync() => NodePackages.EnsureInstalledAsync(ScriptsDirectory, MissingToolsMessage);

    /// <summary>Runs <c>node js/<paramref name="script"/> args</c>; a non-zero exit fails with both output streams in the message.</summary>
    public static async Task<ProcessResult> RunScriptAsync(string script, IReadOnlyList<string> arguments, TimeSpan? timeout = null)
    {
        await EnsureInstalledAsync().ConfigureAwait(false);
        var result = await NodePackages.RunAsync(NodePackages.Node(MissingToolsMessage), [Path.Combine(ScriptsDirectory, script), .. arguments], ScriptsDirectory, timeout ?? DefaultScriptTimeout).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"node {script} {string.Join(' ', arguments)} exited with {result.ExitCode}.\nstderr:\n{result.StandardError}\nstdout (first 4000 chars):\n{Truncate(result.StandardOutput, 4000)}");
        }

        return result;
    }

    public static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + $"... ({text.Length - max} more chars)";

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
