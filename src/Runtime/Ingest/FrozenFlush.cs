using Bulwark.Records;

namespace Bulwark.Ingest;

/// <summary>
/// A flush whose content is fixed: the serialized bytes of every part and of the commit record are computed once, when
/// the flush is cut, and every retry writes exactly these bytes under exactly these names — so a retry after a partial
/// or took-effect-but-reported-failed attempt can only find its own identical files, never duplicate a row.
/// </summary>
internal sealed class FrozenFlush
{
    private FrozenFlush(IngestCommit commit, IReadOnlyList<FrozenPart> parts, byte[] record, DateTimeOffset oldestItem)
    {
        Commit = commit;
        Parts = parts;
        RecordBytes = record;
        OldestItem = oldestItem;
        Bytes = parts.Sum(p => (long)p.Bytes.Length) + record.Length;
        Rows = commit.Files.Sum(f => f.Rows);
    }

    public IngestCommit Commit { get; }

    public long Number => Commit.Flush;

    public string Writer => Commit.Writer;

    public IReadOnlyList<FrozenPart> Parts { get; }

    public byte[] RecordBytes { get; }

    public string RecordPath => Commit.Path;

    /// <summary>When the oldest row or terminal mark in the flush was cached.</summary>
    public DateTimeOffset OldestItem { get; }

    public long Bytes { get; }

    public long Rows { get; }

    /// <summary>Every visit with rows or a terminal mark in the flush.</summary>
    public IEnumerable<long> Visits =>
        Commit.Files.SelectMany(f => f.Visits.Select(v => v.VisitId))
            .Concat(Commit.CompletedVisits)
            .Concat(Commit.IncompleteVisits.Select(v => v.VisitId))
            .Distinct();

    /// <summary>Builds the parts of <paramref name="cuts"/> and the <c>incomplete_visits</c> part, then the commit record.</summary>
    public static async Task<FrozenFlush> PrepareAsync(
        long number,
        string writer,
        DateTimeOffset cutAt,
        DateTimeOffset oldestItem,
        IReadOnlyList<TableCut> cuts,
        IReadOnlyList<long> completed,
        IReadOnlyList<IncompleteVisit> incomplete,
        IngestFormat format,
        Action<long>? held,
        Action<TableCut>? copying,
        CancellationToken cancellationToken)
    {
        var extension = format == IngestFormat.Parquet ? ".parquet" : ".arrow";
        var parts = new List<FrozenPart>();
        var files = new List<IngestCommitFile>();
        var all = cuts.ToList();
        if (incomplete.Count > 0)
        {
            var marks = new RecordsCut<IncompleteVisit>();
            marks.AddRecords(incomplete);
            all.Add(marks);
        }

        try
        {
            foreach (var cut in all.OrderBy(c => c.Table, StringComparer.Ordinal))
            {
                // Counted as held: room for the gathered copy while it is made (no larger than the builders it comes
                // from), then the copy instead of both, then the part's bytes instead of the copy. Appends left that
                // room free (see IngestController.HasRoom).
                byte[] bytes;
                copying?.Invoke(cut);
                using (var batch = cut.Build())
                {
                    var built = TableCut.BufferBytes(batch);
                    held?.Invoke(built - (2 * cut.SourceBytes));
                    bytes = await PartCodec.EncodeAsync([batch], cut.Schema, format, cancellationToken).ConfigureAwait(false);
                    held?.Invoke(bytes.Length - built);
                }

                var path = CommitNames.PartPath(cut.Table, number, writer, extension);
                parts.Add(new FrozenPart(cut.Table, path, bytes));
                files.Add(new IngestCommitFile(cut.Table, path, cut.Rows, bytes.Length, CommitRecordCodec.Crc32C(bytes), cut.Segments.Select(s => new IngestVisitRows(s.VisitId, s.Rows)).ToArray()));
            }
        }
        finally
        {
            foreach (var cut in all)
            {
                cut.Dispose();
            }
        }

        var commit = new IngestCommit(number, writer, cutAt, files, completed.ToArray(), incomplete.ToArray());
        return new FrozenFlush(commit, parts, CommitRecordCodec.Encode(commit), oldestItem);
    }

    /// <summary>A flush made from parts already serialized (a replayed spill).</summary>
    public static FrozenFlush FromParts(IngestCommit commit, IReadOnlyList<FrozenPart> parts, DateTimeOffset oldestItem) =>
        new(commit, parts, CommitRecordCodec.Encode(commit), oldestItem);
}

/// <summary>A part's final path and bytes.</summary>
internal sealed record FrozenPart(string Table, string Path, byte[] Bytes);
