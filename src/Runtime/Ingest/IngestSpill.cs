using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bulwark.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Ingest;

/// <summary>
/// Flushes that could not be committed by shutdown, kept as fsynced Arrow IPC files in a local spill directory, and
/// their exactly-once replay into a dataset.
/// </summary>
/// <remarks>
/// A spill is a directory <c>{writer}-{N}-{spillId}</c> holding one <c>{table}.arrow</c> per table and, written last
/// and synced, <c>manifest.json</c> — the spill's commit point. Replay commits the spill as flush N of the writer
/// identity <c>{writer}.spill-{spillId}</c>, a name no controller uses, through the same no-replace protocol as a
/// flush (same names, same bytes on every attempt), and only then deletes the spill. So a replay cut short by a
/// crash is finished by the next one, a second replay finds nothing left, and a spill whose original flush did take
/// effect (its commit record is there, byte for byte) is deleted without committing it twice.
/// </remarks>
public static class IngestSpill
{
    internal const string ManifestName = "manifest.json";
    private const int FormatVersion = 1;

    /// <summary>Replays every complete spill in <paramref name="spillDirectory"/> into <paramref name="destination"/>, each exactly once.</summary>
    /// <param name="spillDirectory">The controller's <see cref="IngestOptions.SpillDirectory"/>.</param>
    /// <param name="destination">The dataset's backend.</param>
    /// <param name="options">The part format to write (<see cref="IngestOptions.Format"/>); defaults apply when null.</param>
    /// <param name="logger">Receives one line per spill.</param>
    /// <param name="cancellationToken">Stops between steps; a replay stopped part-way is finished by the next.</param>
    /// <returns>What was replayed and what was left.</returns>
    public static async Task<IngestReplayResult> ReplayAsync(string spillDirectory, IStorageBackend destination, IngestOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(spillDirectory);
        ArgumentNullException.ThrowIfNull(destination);
        options ??= new IngestOptions();
        options.Validate();
        logger ??= NullLogger.Instance;
        List<IngestCommit> replayed = [];
        List<string> alreadyCommitted = [];
        List<string> skipped = [];
        if (!Directory.Exists(spillDirectory))
        {
            return new IngestReplayResult(replayed, alreadyCommitted, skipped);
        }

        var spill = new LocalFileSystemBackend(spillDirectory);
        var writer = new FlushWriter(destination);
        foreach (var entry in await spill.ListAsync("", cancellationToken).ConfigureAwait(false))
        {
            if (!entry.IsDirectory)
            {
                continue;
            }

            var manifest = await ReadManifestAsync(spill, entry.Path, cancellationToken).ConfigureAwait(false);
            if (manifest is null)
            {
                IngestLog.SpillWithoutManifest(logger, Path.Join(spill.RootPath, entry.Path));
                skipped.Add(Path.Join(spill.RootPath, entry.Path));
                continue;
            }

            var original = CommitNames.CommitPath(manifest.Flush, manifest.Writer!);
            if (await HoldsAsync(destination, original, manifest.Record!, cancellationToken).ConfigureAwait(false))
            {
                // The flush took effect after all: its rows are there and must not be committed twice. Its visits were
                // still reported Incomplete (spilled), so the ones the original record does not already list as
                // incomplete are listed now, by a flush of marks alone under the same deterministic name.
                var listed = CommitRecordCodec.Decode(original, Encoding.UTF8.GetBytes(manifest.Record!), manifest.Flush, manifest.Writer!)
                    .IncompleteVisits.Select(v => v.VisitId).ToHashSet();
                var marks = new SpillManifestDocument
                {
                    Format = manifest.Format,
                    Writer = manifest.Writer,
                    Flush = manifest.Flush,
                    SpillId = manifest.SpillId,
                    CutAt = manifest.CutAt,
                    SpilledAt = manifest.SpilledAt,
                    Record = manifest.Record,
                    Tables = [],
                    Incomplete = manifest.Incomplete!.Where(v => !listed.Contains(v.Visit)).ToList(),
                };
                if (marks.Incomplete.Count > 0)
                {
                    await writer.WriteAsync(await ToFlushAsync(spill, entry.Path, marks, options.Format, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                }

                IngestLog.ReplaySkipped(logger, entry.Path, destination.Description);
                alreadyCommitted.Add(entry.Path);
            }
            else
            {
                var flush = await ToFlushAsync(spill, entry.Path, manifest, options.Format, cancellationToken).ConfigureAwait(false);
                if (await ReadOwnCommitAsync(destination, flush, cancellationToken).ConfigureAwait(false) is { } committed)
                {
                    // An earlier replay got past its commit point and stopped before it removed the spill. Its record
                    // is the truth even where this run would write other bytes (another part format): never a second copy.
                    replayed.Add(committed);
                }
                else
                {
                    await writer.WriteAsync(flush, cancellationToken).ConfigureAwait(false);
                    IngestLog.Replayed(logger, entry.Path, destination.Description, flush.Number, flush.Writer);
                    replayed.Add(flush.Commit);
                }
            }

            // Only after the commit point: a crash before this leaves the spill for the next replay to finish.
            await spill.DeleteDirectoryAsync(entry.Path, cancellationToken).ConfigureAwait(false);
            await spill.SyncDirectoryAsync("", cancellationToken).ConfigureAwait(false);
        }

        return new IngestReplayResult(replayed, alreadyCommitted, skipped);
    }

    private static async Task<IngestCommit?> ReadOwnCommitAsync(IStorageBackend destination, FrozenFlush flush, CancellationToken cancellationToken)
    {
        var path = flush.Commit.Path;
        if (await destination.GetEntryAsync(path, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }

        var bytes = await destination.ReadAllBytesAsync(path, CommitRecordCodec.MaxRecordBytes, cancellationToken).ConfigureAwait(false);
        return CommitRecordCodec.Decode(path, bytes, flush.Number, flush.Writer);
    }

    /// <summary>Writes <paramref name="flush"/> as a spill; returns its absolute path and the reason its visits get, once its manifest is durable.</summary>
    internal static async Task<(string Path, string Reason)> WriteAsync(LocalFileSystemBackend spill, FrozenFlush flush, string baseWriter, DateTimeOffset now, string reason, CancellationToken cancellationToken)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var directory = $"{baseWriter}-{CommitNames.Number(flush.Number)}-{id}";
        var fullPath = Path.Join(spill.RootPath, directory);
        var tables = new List<SpillTableDocument>();

        // Created (and its parent synced) up front: a flush of terminal marks alone has no table file to create it.
        await spill.CreateDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
        foreach (var part in flush.Parts)
        {
            var file = flush.Commit.Files.Single(f => f.Path == part.Path);
            if (file.Visits.Count == 0)
            {
                continue; // incomplete_visits: rebuilt at replay from the manifest, which lists every visit of the spill
            }

            var arrow = await PartCodec.ConvertAsync(part.Bytes, part.Path, IngestFormat.ArrowIpc, cancellationToken).ConfigureAwait(false);
            var name = $"{directory}/{part.Table}.arrow";
            await using (var pending = await spill.CreateNewAsync(name, cancellationToken).ConfigureAwait(false))
            {
                await pending.WriteAsync(arrow, cancellationToken).ConfigureAwait(false);
                await pending.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            tables.Add(new SpillTableDocument { Table = part.Table, Rows = file.Rows, Visits = file.Visits.Select(v => new[] { v.VisitId, v.Rows }).ToList() });
        }

        var spilledReason = $"spilled to '{fullPath}' ({reason}); replay it with IngestSpill.ReplayAsync";
        var document = new SpillManifestDocument
        {
            Format = FormatVersion,
            Writer = flush.Writer,
            Flush = flush.Number,
            SpillId = id,
            CutAt = flush.Commit.CutAt,
            SpilledAt = now,
            Record = Encoding.UTF8.GetString(flush.RecordBytes),
            Tables = tables,
            Incomplete = flush.Visits.Select(v => new IncompleteDocument
            {
                Visit = v,
                Reason = flush.Commit.IncompleteVisits.FirstOrDefault(i => i.VisitId == v) is { } earlier ? $"{earlier.Reason}; {spilledReason}" : spilledReason,
            }).ToList(),
        };

        await spill.SyncDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
        await using (var manifest = await spill.CreateNewAsync($"{directory}/{ManifestName}", cancellationToken).ConfigureAwait(false))
        {
            await manifest.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(document, IngestJsonContext.Default.SpillManifestDocument), cancellationToken).ConfigureAwait(false);
            await manifest.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        await spill.SyncDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
        return (fullPath, spilledReason);
    }

    /// <summary>The visits in complete spills of <paramref name="writer"/>: recovery must not close them as unfinished.</summary>
    internal static async Task<HashSet<long>> SpilledVisitsAsync(string? spillDirectory, string writer, CancellationToken cancellationToken)
    {
        var visits = new HashSet<long>();
        if (spillDirectory is null || !Directory.Exists(spillDirectory))
        {
            return visits;
        }

        var spill = new LocalFileSystemBackend(spillDirectory);
        foreach (var entry in await spill.ListAsync("", cancellationToken).ConfigureAwait(false))
        {
            if (entry.IsDirectory && entry.Name.StartsWith(writer + "-", StringComparison.Ordinal)
                && await ReadManifestAsync(spill, entry.Path, cancellationToken).ConfigureAwait(false) is { } manifest && manifest.Writer == writer)
            {
                visits.UnionWith(manifest.Incomplete!.Select(v => v.Visit));
            }
        }

        return visits;
    }

    private static async Task<SpillManifestDocument?> ReadManifestAsync(LocalFileSystemBackend spill, string directory, CancellationToken cancellationToken)
    {
        var path = $"{directory}/{ManifestName}";
        if (await spill.GetEntryAsync(path, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }

        var bytes = await spill.ReadAllBytesAsync(path, CommitRecordCodec.MaxRecordBytes, cancellationToken).ConfigureAwait(false);
        SpillManifestDocument? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(bytes, IngestJsonContext.Default.SpillManifestDocument);
        }
        catch (JsonException exception)
        {
            throw new IngestDataException(Path.Join(spill.RootPath, path), $"not a valid spill manifest ({exception.Message})", exception);
        }

        if (manifest is not { Format: FormatVersion, Writer: not null, Record: not null, Tables: not null, Incomplete: not null, SpillId: not null }
            || !IngestOptions.IsValidWriterId(manifest.Writer) || !CommitNames.IsWriterIdentity(manifest.Writer + CommitNames.SpillSeparator + manifest.SpillId)
            || manifest.Tables.Any(t => t.Table is null || !CommitNames.IsValidTable(t.Table) || t.Visits is null))
        {
            throw new IngestDataException(Path.Join(spill.RootPath, path), "the spill manifest is incomplete or names an invalid writer, spill id or table");
        }

        // Replay commits what the manifest says; checked here, so that a damaged manifest is refused instead of
        // becoming a commit record that every later reader of the dataset refuses.
        var where = Path.Join(spill.RootPath, path);
        CommitRecordCodec.Require(where, manifest.Flush is >= 1 and <= CommitNames.MaxFlush, $"flush {manifest.Flush} is not a flush number");
        var tables = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in manifest.Tables)
        {
            CommitRecordCodec.Require(where, table.Table != "incomplete_visits" && tables.Add(table.Table!), $"table '{table.Table}' is repeated or is the one replay writes itself");
            var visits = CommitRecordCodec.ReadVisits(where, $"{table.Table}.arrow", table.Visits, out var rows);
            CommitRecordCodec.Require(where, visits.Count > 0 && rows == table.Rows, $"part '{table.Table}.arrow' lists {rows} visit rows but holds {table.Rows}");
        }

        return manifest;
    }

    private static async Task<bool> HoldsAsync(IStorageBackend backend, string path, string content, CancellationToken cancellationToken)
    {
        var expected = Encoding.UTF8.GetBytes(content);
        var entry = await backend.GetEntryAsync(path, cancellationToken).ConfigureAwait(false);
        return entry is { IsDirectory: false } && entry.Length == expected.Length
            && (await backend.ReadAllBytesAsync(path, expected.Length, cancellationToken).ConfigureAwait(false)).AsSpan().SequenceEqual(expected);
    }

    private static async Task<FrozenFlush> ToFlushAsync(LocalFileSystemBackend spill, string directory, SpillManifestDocument manifest, IngestFormat format, CancellationToken cancellationToken)
    {
        var identity = manifest.Writer + CommitNames.SpillSeparator + manifest.SpillId;
        var extension = format == IngestFormat.Parquet ? ".parquet" : ".arrow";
        var parts = new List<FrozenPart>();
        var files = new List<IngestCommitFile>();
        foreach (var table in manifest.Tables!.OrderBy(t => t.Table, StringComparer.Ordinal))
        {
            var source = $"{directory}/{table.Table}.arrow";
            var arrow = await spill.ReadAllBytesAsync(source, int.MaxValue, cancellationToken).ConfigureAwait(false);
            var bytes = await PartCodec.ConvertAsync(arrow, Path.Join(spill.RootPath, source), format, cancellationToken).ConfigureAwait(false);
            var path = CommitNames.PartPath(table.Table!, manifest.Flush, identity, extension);
            parts.Add(new FrozenPart(table.Table!, path, bytes));
            files.Add(new IngestCommitFile(table.Table!, path, table.Rows, bytes.Length, CommitRecordCodec.Crc32C(bytes), table.Visits!.Select(v => new IngestVisitRows(v[0], (int)v[1])).ToArray()));
        }

        var incomplete = manifest.Incomplete!.Select(v => new IncompleteVisit(v.Visit, v.Reason ?? "spilled")).ToArray();
        if (incomplete.Length > 0)
        {
            var marks = new RecordsCut<IncompleteVisit>();
            marks.AddRecords(incomplete);
            using var batch = marks.Build();
            marks.Dispose();
            var bytes = await PartCodec.EncodeAsync([batch], IncompleteVisit.ArrowSchema, format, cancellationToken).ConfigureAwait(false);
            var path = CommitNames.PartPath("incomplete_visits", manifest.Flush, identity, extension);
            parts.Add(new FrozenPart("incomplete_visits", path, bytes));
            files.Add(new IngestCommitFile("incomplete_visits", path, incomplete.Length, bytes.Length, CommitRecordCodec.Crc32C(bytes), []));
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Table, b.Table));
        var commit = new IngestCommit(manifest.Flush, identity, manifest.CutAt, files, [], incomplete);
        return FrozenFlush.FromParts(commit, parts, manifest.CutAt);
    }
}

/// <summary>What <see cref="IngestSpill.ReplayAsync"/> did.</summary>
/// <param name="Replayed">The spills committed now, as their commit records describe them.</param>
/// <param name="AlreadyCommitted">Spills whose original flush had taken effect after all: removed, not committed again.</param>
/// <param name="Skipped">Spill directories without a manifest (cut short by a crash), left in place.</param>
public sealed record IngestReplayResult(IReadOnlyList<IngestCommit> Replayed, IReadOnlyList<string> AlreadyCommitted, IReadOnlyList<string> Skipped);

internal sealed class SpillManifestDocument
{
    public int Format { get; set; }

    public string? Writer { get; set; }

    public long Flush { get; set; }

    public string? SpillId { get; set; }

    public DateTimeOffset CutAt { get; set; }

    public DateTimeOffset SpilledAt { get; set; }

    public string? Record { get; set; }

    public List<SpillTableDocument>? Tables { get; set; }

    public List<IncompleteDocument>? Incomplete { get; set; }
}

internal sealed class SpillTableDocument
{
    public string? Table { get; set; }

    public long Rows { get; set; }

    public List<long[]>? Visits { get; set; }
}
