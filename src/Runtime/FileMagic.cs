namespace Bulwark;

/// <summary>
/// The magic bytes of the two file formats Bulwark reads. A reader handed the other format says which format it got
/// and which API reads it, instead of a low-level complaint about a length or a footer that means nothing to the caller.
/// </summary>
internal static class FileMagic
{
    /// <summary>Bytes read from each end of a file to recognise it: enough for "ARROW1" and the Parquet trailer.</summary>
    public const int EndLength = 8;

    public static ReadOnlySpan<byte> Parquet => "PAR1"u8;

    public static ReadOnlySpan<byte> ArrowFile => "ARROW1"u8;

    public static ReadOnlySpan<byte> ArrowContinuation => [0xFF, 0xFF, 0xFF, 0xFF];

    public static bool IsParquet(ReadOnlySpan<byte> head) => head.StartsWith(Parquet);

    /// <summary>The first and last <see cref="EndLength"/> bytes (fewer when the file is shorter); the position is restored.</summary>
    public static async ValueTask<(byte[] Head, byte[] Tail)> ReadEndsAsync(Stream stream, CancellationToken cancellationToken)
    {
        var position = stream.Position;
        var length = stream.Length;
        var count = (int)Math.Min(EndLength, length);
        var head = new byte[count];
        var tail = new byte[count];
        stream.Seek(0, SeekOrigin.Begin);
        await stream.ReadExactlyAsync(head, cancellationToken).ConfigureAwait(false);
        stream.Seek(length - count, SeekOrigin.Begin);
        await stream.ReadExactlyAsync(tail, cancellationToken).ConfigureAwait(false);
        stream.Seek(position, SeekOrigin.Begin);
        return (head, tail);
    }

    /// <summary>Why the ends show a Parquet file ("it starts with PAR1"), or null when they do not.</summary>
    public static string? ParquetEvidence(ReadOnlySpan<byte> head, ReadOnlySpan<byte> tail)
    {
        if (head.StartsWith(Parquet))
        {
            return "it starts with PAR1";
        }

        // The smallest Parquet file is 12 bytes; a shorter one ending in PAR1 proves nothing.
        return tail.Length == EndLength && tail.EndsWith(Parquet) && !head.StartsWith(ArrowFile) ? "it ends with PAR1" : null;
    }

    /// <summary>What the ends show of Arrow IPC ("an Arrow IPC file", "it starts with ARROW1"), or null when nothing does.</summary>
    public static (string Kind, string Evidence)? ArrowEvidence(ReadOnlySpan<byte> head, ReadOnlySpan<byte> tail)
    {
        if (head.StartsWith(ArrowFile))
        {
            return ("an Arrow IPC file", "it starts with ARROW1");
        }

        if (tail.EndsWith(ArrowFile))
        {
            return ("an Arrow IPC file", "it ends with ARROW1");
        }

        return head.StartsWith(ArrowContinuation)
            ? ("an Arrow IPC stream", "it starts with the IPC continuation marker FF FF FF FF")
            : null;
    }

    /// <summary>"'x.parquet' is a Parquet file (it starts with PAR1), not an Arrow IPC file: read it with ParquetFile".</summary>
    public static string ParquetNotArrow(string? source, string evidence, string expected) =>
        $"{Subject(source)} is a Parquet file ({evidence}), not {expected}: read it with ParquetFile";

    /// <summary>"'x.arrow' is an Arrow IPC file (it starts with ARROW1), not a Parquet file: read it with ArrowFile".</summary>
    public static string ArrowNotParquet(string? source, string kind, string evidence) =>
        $"{Subject(source)} is {kind} ({evidence}), not a Parquet file: read it with ArrowFile";

    /// <summary>Refuses a seekable stream that holds a Parquet file where Arrow IPC (<paramref name="expected"/>) is read.</summary>
    public static async ValueTask ThrowIfParquetAsync(Stream stream, string? source, string expected, CancellationToken cancellationToken)
    {
        var (head, tail) = await ReadEndsAsync(stream, cancellationToken).ConfigureAwait(false);
        if (ParquetEvidence(head, tail) is { } evidence)
        {
            throw new Arrow.ArrowFormatException(ParquetNotArrow(source, evidence, expected));
        }
    }

    private static string Subject(string? source) => source is null ? "The stream" : $"'{source}'";
}
