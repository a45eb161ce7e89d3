namespace Bulwark.Ingest;

/// <summary>
/// A flush found files of its own name already committed with other content: another controller with the same
/// <see cref="IngestOptions.WriterId"/> is writing the dataset. Nothing was overwritten.
/// </summary>
public sealed class IngestWriterConflictException : IOException
{
    public IngestWriterConflictException(string path, string writerId, string backend)
        : base($"'{path}' in {backend} already holds other content than flush of writer '{writerId}' is committing: another controller uses WriterId '{writerId}' on this dataset. Nothing was overwritten; give each controller its own WriterId.")
    {
        Path = path;
        WriterId = writerId;
    }

    /// <summary>The file that was taken.</summary>
    public string Path { get; }

    /// <summary>The contested writer id.</summary>
    public string WriterId { get; }
}

/// <summary>A file of an ingest dataset is damaged or malformed: a commit record, a part whose size or CRC32C differs, a spill manifest.</summary>
public sealed class IngestDataException : IOException
{
    public IngestDataException(string path, string reason, Exception? innerException = null)
        : base($"Ingest file '{path}' is damaged: {reason}", innerException)
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>The damaged file.</summary>
    public string Path { get; }

    /// <summary>What is wrong with it, without the path.</summary>
    public string Reason { get; }
}

/// <summary>A record could not be encoded (the builder refused a value); its visit is Incomplete, other visits are unaffected.</summary>
public sealed class IngestRecordException : ArgumentException
{
    public IngestRecordException(long visitId, string table, Exception innerException)
        : base($"A record for table '{table}' of visit {visitId} could not be encoded: {innerException.Message} The visit is Incomplete.", innerException)
    {
        VisitId = visitId;
        Table = table;
    }

    public long VisitId { get; }

    public string Table { get; }
}
