using System.Reflection;

namespace Bulwark.Interop.Tests.Conformance;

/// <summary>
/// Where the public conformance corpora are: copies of apache/parquet-testing (<c>parquet-testing/data</c>) and
/// apache/arrow-testing (<c>arrow-testing/data</c>, its IPC directories) vendored in tests/Conformance with their
/// license (see tests/Conformance/NOTICE.md). <c>BULWARK_CONFORMANCE_DIR</c>, when set, points at another copy of the
/// same layout, e.g. a newer checkout of both repositories.
/// </summary>
internal static class ConformanceCorpus
{
    public const string EnvironmentVariable = "BULWARK_CONFORMANCE_DIR";

    public static string? Directory { get; } = Locate();

    public static string ParquetData => Path.Combine(Directory!, "parquet-testing", "data");

    public static string ArrowIpcIntegration => Path.Combine(Directory!, "arrow-testing", "data", "arrow-ipc-stream", "integration");

    public static string ArrowIpcStreamFuzz => Path.Combine(Directory!, "arrow-testing", "data", "arrow-ipc-stream");

    public static string ArrowIpcFileFuzz => Path.Combine(Directory!, "arrow-testing", "data", "arrow-ipc-file");

    public static string SkipReason =>
        $"The conformance corpora are missing: tests/Conformance holds them in the repository, or set {EnvironmentVariable} to a directory holding parquet-testing/data and arrow-testing/data.";

    private static string? Locate()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured)
        {
            return System.IO.Directory.Exists(configured) ? Path.GetFullPath(configured) : null;
        }

        var source = typeof(ConformanceCorpus).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "InteropSourceDirectory")?.Value;
        if (source is null)
        {
            return null;
        }

        // tests/Interop.Tests -> tests/Conformance.
        var candidate = Path.GetFullPath(Path.Combine(source, "..", "Conformance"));
        return System.IO.Directory.Exists(candidate) ? candidate : null;
    }
}

/// <summary>
/// A fact that runs only where the conformance corpora are present, and says why it was skipped otherwise. With
/// <see cref="RequiresNode"/> it also needs Node.js, under the <see cref="NodeFactAttribute"/> rule: skipped without
/// node/npm, except on CI, where it runs and fails with the missing-tools message.
/// </summary>
public sealed class ConformanceFactAttribute : FactAttribute
{
    private bool _requiresNode;

    public ConformanceFactAttribute()
    {
        if (ConformanceCorpus.Directory is null)
        {
            Skip = ConformanceCorpus.SkipReason;
        }
    }

    /// <summary>The test runs reference readers through node; the missing corpus, when both are missing, is the reason given.</summary>
    public bool RequiresNode
    {
        get => _requiresNode;
        set
        {
            _requiresNode = value;

            // Named arguments are set after the constructor ran, so the corpus check has already had its say.
            if (value && Skip is null && NodeRequirement.SkipReason() is { } reason)
            {
                Skip = reason;
            }
        }
    }
}
