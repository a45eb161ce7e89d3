using System.Diagnostics.Metrics;

namespace Bulwark.Ingest;

/// <summary>The file format of a dataset's parts.</summary>
public enum IngestFormat
{
    /// <summary>Parquet (<c>.parquet</c>), the default.</summary>
    Parquet,

    /// <summary>Arrow IPC files (<c>.arrow</c>).</summary>
    ArrowIpc,
}

/// <summary>Limits and timing of an <see cref="IngestController"/>; <see cref="Validate"/> refuses bad values naming the option.</summary>
public sealed class IngestOptions
{
    /// <summary>The format of the parts this controller writes.</summary>
    public IngestFormat Format { get; init; } = IngestFormat.Parquet;

    /// <summary>
    /// Backpressure cap: <see cref="IngestVisit.AppendAsync{T}"/> waits while the encoded bytes cached (not yet cut into
    /// a flush) plus the serialized bytes of the flush being written reach this. Encoded bytes are what the Arrow
    /// buffers hold (<see cref="Records.ColumnBuilder"/> data, offsets and validity), not the managed record objects.
    /// </summary>
    public long MaxCachedBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>A table's part never holds more rows: appends to a table with this many uncut rows wait for the cut.</summary>
    public int MaxRowsPerFile { get; init; } = 1_000_000;

    /// <summary>The oldest cached row (or finalized visit) is cut into a flush once it is this old, whatever else arrives.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The bound on how long a row waits to be committed while the destination works: at least <see cref="FlushInterval"/>,
    /// the rest is the time a flush may take to write. Health reports a pending row older than this.
    /// </summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A visit with no append and no finalize for this long becomes Incomplete.</summary>
    public TimeSpan VisitTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long <see cref="IngestController.DisposeAsync"/> keeps trying to commit before it spills.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The first retry delay after a failed flush; it doubles per consecutive failure (with jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest delay between retries of a failed flush.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A local directory where batches that could not be committed by shutdown are spilled as Arrow IPC; null spills nothing (the rows are lost, loudly).</summary>
    public string? SpillDirectory { get; init; }

    /// <summary>
    /// Names this controller's files (<c>part-N-{WriterId}</c>, <c>_commits/N-{WriterId}.json</c>): unique among the
    /// controllers writing one dataset and stable across restarts, so that a restarted controller recovers its own
    /// flushes. Letters, digits, '_' and '-', at most 64.
    /// </summary>
    public string WriterId { get; init; } = DefaultWriterId();

    /// <summary>Creates the <see cref="IngestMetrics.MeterName"/> meter; without one a process-wide meter is used.</summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>Regression-test seam: re-introduces a bug of the controller this design replaces. Never set outside tests.</summary>
    internal IngestDeviation Deviations { get; init; }

    internal string Extension => Format == IngestFormat.Parquet ? ".parquet" : ".arrow";

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the exception's ParamName is the option.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Format))
        {
            throw new ArgumentOutOfRangeException(nameof(Format), Format, "Format must be Parquet or ArrowIpc.");
        }

        Positive(MaxCachedBytes, nameof(MaxCachedBytes));
        Positive(MaxRowsPerFile, nameof(MaxRowsPerFile));
        Positive(FlushInterval, nameof(FlushInterval));
        Positive(MaxAge, nameof(MaxAge));
        Positive(VisitTimeout, nameof(VisitTimeout));
        Positive(ShutdownTimeout, nameof(ShutdownTimeout));
        Positive(RetryDelay, nameof(RetryDelay));
        Positive(MaxRetryDelay, nameof(MaxRetryDelay));
        if (FlushInterval > MaxAge)
        {
            throw new ArgumentOutOfRangeException(nameof(FlushInterval), FlushInterval, $"FlushInterval must not exceed MaxAge ({MaxAge}): rows are cut at FlushInterval so that they can be committed within MaxAge.");
        }

        if (RetryDelay > MaxRetryDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(RetryDelay), RetryDelay, $"RetryDelay must not exceed MaxRetryDelay ({MaxRetryDelay}).");
        }

        if (!IsValidWriterId(WriterId))
        {
            throw new ArgumentException($"WriterId '{WriterId}' is not 1 to 64 letters, digits, '_' or '-'.", nameof(WriterId));
        }

        if (SpillDirectory is not null && (SpillDirectory.Length == 0 || !Path.IsPathFullyQualified(SpillDirectory)))
        {
            throw new ArgumentException($"SpillDirectory '{SpillDirectory}' must be an absolute local path.", nameof(SpillDirectory));
        }
    }

    internal static bool IsValidWriterId(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(IsWriterIdChar);

    private static bool IsWriterIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-';

    private static string DefaultWriterId() => WriterIdFor(Environment.MachineName);

    /// <summary>A host name as a valid writer id: other characters become '-'; a name too long or empty becomes "writer".</summary>
    internal static string WriterIdFor(string machineName)
    {
        var name = new string(machineName.Select(c => IsWriterIdChar(c) ? c : '-').ToArray());
        return IsValidWriterId(name) ? name : "writer";
    }

    private static void Positive(long value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
        }
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive, finite time.");
        }
    }
}

/// <summary>The historical bugs a test can switch back on (see <see cref="IngestOptions.Deviations"/>).</summary>
[Flags]
internal enum IngestDeviation
{
    None = 0,

    /// <summary>The cut fires only after FlushInterval without any append: the idle debounce a steady trickle starves.</summary>
    IdleDebounce = 1 << 0,
}
