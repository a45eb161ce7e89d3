using System.Runtime.CompilerServices;
using Bulwark.Records;
using Bulwark.Storage;

namespace Bulwark.Ingest;

/// <summary>
/// What readers of an ingest dataset see: committed flushes only, and of those only the rows of visits that have
/// ended (completed, or listed in <c>incomplete_visits</c>) — so a reader never sees part of a visit, even one whose
/// rows span several flushes. Every part is checked against its commit record's size and CRC32C before it is parsed.
/// </summary>
public sealed class IngestDataset
{
    private readonly IStorageBackend _backend;
    private readonly HashSet<(string Writer, long Visit)> _ended;

    private IngestDataset(IStorageBackend backend, IReadOnlyList<IngestCommit> commits, IReadOnlyList<IngestDamagedCommit> damaged)
    {
        _backend = backend;
        Commits = commits;
        DamagedCommits = damaged;
        _ended = CommitLog.EndedVisits(commits);
    }

    /// <summary>Every commit record, by writer and flush number: the dataset's history.</summary>
    public IReadOnlyList<IngestCommit> Commits { get; }

    /// <summary>The commit records that could not be read; always empty unless opened with <see cref="OpenForInspectionAsync"/>.</summary>
    public IReadOnlyList<IngestDamagedCommit> DamagedCommits { get; }

    /// <summary>The tables that have at least one committed part.</summary>
    public IReadOnlyList<string> Tables => Commits.SelectMany(c => c.Files).Select(f => f.Table).Distinct().Order(StringComparer.Ordinal).ToArray();

    /// <summary>Reads the commit log of the dataset on <paramref name="backend"/> (a snapshot: later commits need a new open).</summary>
    /// <exception cref="IngestDataException">A commit record is damaged.</exception>
    public static async Task<IngestDataset> OpenAsync(IStorageBackend backend, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return new IngestDataset(backend, await CommitLog.ReadAsync(backend, null, cancellationToken).ConfigureAwait(false), []);
    }

    /// <summary>
    /// Reads the commit log like <see cref="OpenAsync"/>, except that a damaged commit record is listed in
    /// <see cref="DamagedCommits"/> and left out instead of failing the open: for tools that report damage
    /// (`bulwark ingest status`, `bulwark verify`). Readers should use <see cref="OpenAsync"/>, which never shows a
    /// dataset with a flush silently missing.
    /// </summary>
    public static async Task<IngestDataset> OpenForInspectionAsync(IStorageBackend backend, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var damaged = new List<IngestDamagedCommit>();
        var commits = await CommitLog.ReadAsync(backend, null, cancellationToken, damaged).ConfigureAwait(false);
        return new IngestDataset(backend, commits, damaged);
    }

    /// <summary>
    /// Parses a part's file name, <c>part-N-writer.parquet</c> or <c>.arrow</c>: the flush number and the writer
    /// identity (a <see cref="IngestOptions.WriterId"/>, or <c>writer.spill-…</c> for a replayed spill).
    /// </summary>
    public static bool TryParsePartName(string fileName, out long flush, out string writer)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        writer = string.Empty;
        if (!CommitNames.TryParsePartName(fileName, out flush, out var rest))
        {
            return false;
        }

        var identity = rest.EndsWith(".parquet", StringComparison.Ordinal) ? rest[..^".parquet".Length]
            : rest.EndsWith(".arrow", StringComparison.Ordinal) ? rest[..^".arrow".Length]
            : null;
        if (identity is null || !CommitNames.IsWriterIdentity(identity))
        {
            return false;
        }

        writer = identity;
        return true;
    }

    /// <summary>
    /// Null when the committed part <paramref name="file"/> is present with the size and CRC32C its commit record
    /// lists and, with <paramref name="checkContents"/>, decodes to the rows it lists; otherwise why not, as a phrase.
    /// </summary>
    public async Task<string?> VerifyPartAsync(IngestCommitFile file, bool checkContents = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        byte[] bytes;
        try
        {
            bytes = await ReadPartAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (IngestDataException e)
        {
            return e.Reason;
        }

        if (!checkContents)
        {
            return null;
        }

        long rows = 0;
        try
        {
            await foreach (var batch in PartCodec.DecodeAsync(bytes, file.Path, cancellationToken).ConfigureAwait(false))
            {
                rows += batch.Length;
                batch.Dispose();
            }
        }
        catch (DataFormatException e)
        {
            return $"it cannot be decoded: {e.Message}";
        }

        return rows == file.Rows ? null : $"it holds {rows} rows, its commit record lists {file.Rows}";
    }

    /// <summary>True once the visit has ended in a committed flush of <paramref name="writer"/>: its rows are visible.</summary>
    public bool HasEnded(string writer, long visitId) => _ended.Contains((CommitNames.BaseWriter(writer), visitId));

    /// <summary>The visible rows of <typeparamref name="T"/>'s table, flush by flush.</summary>
    /// <exception cref="IngestDataException">A committed part is missing, has another size or CRC32C, or holds another row count.</exception>
    public async IAsyncEnumerable<T> ReadAsync<T>([EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : IArrowRecord<T>
    {
        foreach (var commit in Commits)
        {
            foreach (var file in commit.Files.Where(f => f.Table == T.TableName))
            {
                var bytes = await ReadPartAsync(file, cancellationToken).ConfigureAwait(false);
                var segment = 0;
                var leftInSegment = file.Visits.Count > 0 ? file.Visits[0].Rows : 0;
                long row = 0;
                await foreach (var batch in PartCodec.DecodeAsync(bytes, file.Path, cancellationToken).ConfigureAwait(false))
                {
                    T[] records;
                    using (batch)
                    {
                        records = T.ReadBatch(batch);
                    }

                    foreach (var record in records)
                    {
                        row++;
                        if (file.Visits.Count == 0)
                        {
                            yield return record;
                            continue;
                        }

                        while (leftInSegment == 0 && segment + 1 < file.Visits.Count)
                        {
                            leftInSegment = file.Visits[++segment].Rows;
                        }

                        if (leftInSegment-- <= 0)
                        {
                            throw new IngestDataException(file.Path, $"it holds more rows than the {file.Rows} its commit record lists");
                        }

                        if (_ended.Contains((commit.BaseWriter, file.Visits[segment].VisitId)))
                        {
                            yield return record;
                        }
                    }
                }

                if (row != file.Rows)
                {
                    throw new IngestDataException(file.Path, $"it holds {row} rows, its commit record lists {file.Rows}");
                }
            }
        }
    }

    /// <summary>Counts per table, and the parts no commit record names, for <c>bulwark ingest status</c>.</summary>
    public async Task<IngestDatasetStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var tables = new SortedDictionary<string, IngestTableStatus>(StringComparer.Ordinal);
        var hidden = new SortedSet<(string, long)>();
        foreach (var commit in Commits)
        {
            foreach (var file in commit.Files)
            {
                var visible = file.Visits.Count == 0 ? file.Rows : file.Visits.Where(v => _ended.Contains((commit.BaseWriter, v.VisitId))).Sum(v => (long)v.Rows);
                hidden.UnionWith(file.Visits.Where(v => !_ended.Contains((commit.BaseWriter, v.VisitId))).Select(v => (commit.BaseWriter, v.VisitId)));
                var current = tables.GetValueOrDefault(file.Table) ?? new IngestTableStatus(file.Table, 0, 0, 0, 0);
                tables[file.Table] = current with
                {
                    Parts = current.Parts + 1,
                    Rows = current.Rows + file.Rows,
                    Bytes = current.Bytes + file.Bytes,
                    VisibleRows = current.VisibleRows + visible,
                };
            }
        }

        var referenced = Commits.SelectMany(c => c.Files).Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var unreferenced = new List<string>();
        foreach (var directory in await _backend.ListAsync("", cancellationToken).ConfigureAwait(false))
        {
            if (!directory.IsDirectory || directory.Name.StartsWith('_'))
            {
                continue;
            }

            foreach (var file in await _backend.ListAsync(directory.Path, cancellationToken).ConfigureAwait(false))
            {
                if (!file.IsDirectory && CommitNames.TryParsePartName(file.Name, out _, out _) && !referenced.Contains(file.Path))
                {
                    unreferenced.Add(file.Path);
                }
            }
        }

        return new IngestDatasetStatus(
            Commits.Count,
            tables.Values.ToArray(),
            Commits.Sum(c => c.IncompleteVisits.Count),
            hidden.Select(h => new IngestVisitKey(h.Item1, h.Item2)).ToArray(),
            unreferenced);
    }

    private async Task<byte[]> ReadPartAsync(IngestCommitFile file, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await _backend.ReadAllBytesAsync(file.Path, file.Bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException exception)
        {
            throw new IngestDataException(file.Path, "a committed part is missing", exception);
        }
        catch (StorageException exception) when (exception is not StoragePathException)
        {
            throw new IngestDataException(file.Path, $"it is longer than the {file.Bytes} bytes its commit record lists", exception);
        }

        if (bytes.LongLength != file.Bytes || CommitRecordCodec.Crc32C(bytes) != file.Crc32C)
        {
            throw new IngestDataException(file.Path, $"its {bytes.LongLength} bytes (CRC32C {CommitRecordCodec.Crc32C(bytes):x8}) differ from the {file.Bytes} bytes (CRC32C {file.Crc32C:x8}) its commit record lists");
        }

        return bytes;
    }
}

/// <summary>A commit record <see cref="IngestDataset.OpenForInspectionAsync"/> could not read.</summary>
/// <param name="Path">The record's path, <c>_commits/N-writer.json</c>.</param>
/// <param name="Flush">The flush number its name gives.</param>
/// <param name="Writer">The writer identity its name gives.</param>
/// <param name="Reason">Why it could not be read.</param>
public sealed record IngestDamagedCommit(string Path, long Flush, string Writer, string Reason)
{
    /// <summary>The controller's <see cref="IngestOptions.WriterId"/> the record belongs to.</summary>
    public string BaseWriter => CommitNames.BaseWriter(Writer);
}

/// <summary>An ingest dataset at a glance.</summary>
/// <param name="Commits">Committed flushes.</param>
/// <param name="Tables">Per table: parts, rows, bytes and rows visible to readers.</param>
/// <param name="IncompleteVisits">Entries of incomplete_visits.</param>
/// <param name="UnendedVisits">Visits with committed rows that have not ended yet (hidden from readers): running, or left by a crash until their writer reopens.</param>
/// <param name="UnreferencedParts">Part files no commit record names: a flush in progress, or left by a crash until its writer reopens.</param>
public sealed record IngestDatasetStatus(
    int Commits,
    IReadOnlyList<IngestTableStatus> Tables,
    int IncompleteVisits,
    IReadOnlyList<IngestVisitKey> UnendedVisits,
    IReadOnlyList<string> UnreferencedParts);

/// <summary>One table of an ingest dataset.</summary>
public sealed record IngestTableStatus(string Table, int Parts, long Rows, long Bytes, long VisibleRows);

/// <summary>A visit of a writer.</summary>
public readonly record struct IngestVisitKey(string Writer, long VisitId);
