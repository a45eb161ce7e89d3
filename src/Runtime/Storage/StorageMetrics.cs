using System.Diagnostics.Metrics;

namespace Bulwark.Storage;

/// <summary>Names of the storage instruments, for <see cref="MeterListener"/> and OpenTelemetry configuration.</summary>
public static class StorageMetrics
{
    /// <summary>The meter every backend publishes on.</summary>
    public const string MeterName = "Bulwark.Storage";

    /// <summary>Counter of completed fsync calls, tagged <see cref="KindTag"/> = <c>file</c> or <c>directory</c>.</summary>
    public const string Fsyncs = "bulwark.storage.fsyncs";

    /// <summary>Counter of bytes made durable by committed pending files.</summary>
    public const string BytesWritten = "bulwark.storage.bytes_written";

    /// <summary>Counter of committed pending files.</summary>
    public const string Commits = "bulwark.storage.commits";

    /// <summary>The tag that tells file fsyncs from directory fsyncs.</summary>
    public const string KindTag = "kind";
}

internal sealed class StorageInstruments
{
    private static readonly KeyValuePair<string, object?> FileKind = new(StorageMetrics.KindTag, "file");
    private static readonly KeyValuePair<string, object?> DirectoryKind = new(StorageMetrics.KindTag, "directory");

    private readonly Counter<long> fsyncs;
    private readonly Counter<long> bytesWritten;
    private readonly Counter<long> commits;

    private StorageInstruments(Meter meter)
    {
        fsyncs = meter.CreateCounter<long>(StorageMetrics.Fsyncs, "{fsync}", "fsync calls that completed, by kind (file or directory)");
        bytesWritten = meter.CreateCounter<long>(StorageMetrics.BytesWritten, "By", "bytes of committed files flushed to stable storage");
        commits = meter.CreateCounter<long>(StorageMetrics.Commits, "{commit}", "pending files committed (flushed and renamed into place)");
    }

    public static StorageInstruments Create(IMeterFactory? meterFactory) =>
        ComponentMeter.Instruments(meterFactory, StorageMetrics.MeterName, meter => new StorageInstruments(meter));

    public void FileSynced() => fsyncs.Add(1, FileKind);

    public void DirectorySynced() => fsyncs.Add(1, DirectoryKind);

    public void Committed(long bytes)
    {
        commits.Add(1);
        bytesWritten.Add(bytes);
    }
}
