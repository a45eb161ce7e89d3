using System.Reflection;
using Bulwark.Tests.Shared;

namespace Bulwark.Storage.S3.Tests;

/// <summary>Node.js for the S3 tests: s3rver, pinned in js/package-lock.json and installed by <see cref="NodePackages"/>.</summary>
internal static class NodeTools
{
    public const string MissingToolsMessage = "node/npm not found on PATH: the S3 tests start s3rver, which needs Node.js 20+";

    private static readonly Lazy<string> ProjectDirectoryPath = new(FindProjectDirectory);

    /// <summary>True when node (of a supported version) and npm are on PATH.</summary>
    public static bool ToolsAvailable => NodePackages.ToolsAvailable;

    /// <summary>CI must never skip these tests silently: a missing node there is a failure.</summary>
    public static bool IsCi => NodePackages.IsCi;

    /// <summary>Why the S3 tests are skipped here, or null when they run (tools present, or CI, where they fail instead).</summary>
    public static string? SkipReason => ToolsAvailable || IsCi ? null : MissingToolsMessage;

    public static string Node => NodePackages.Node(MissingToolsMessage);

    public static string ScriptsDirectory => Path.Combine(ProjectDirectoryPath.Value, "js");

    /// <summary>Runs <c>npm ci</c> in js/ unless the installed packages already match package-lock.json.</summary>
    public static Task EnsureInstalledAsync() => NodePackages.EnsureInstalledAsync(ScriptsDirectory, MissingToolsMessage);

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
