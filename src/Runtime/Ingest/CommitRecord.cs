using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Bulwark.Storage;

namespace Bulwark.Ingest;

/// <summary>A committed flush as its commit record <c>_commits/N-writer.json</c> describes it.</summary>
/// <param name="Flush">The flush number N, per writer.</param>
/// <param name="Writer">The writer identity: a <see cref="IngestOptions.WriterId"/>, or <c>writer.spill-…</c> for a replayed spill.</param>
/// <param name="CutAt">When the flush was cut.</param>
/// <param name="Files">One part per table, with rows, size, CRC32C and each visit's rows in order.</param>
/// <param name="CompletedVisits">Visits finalized with success in this flush: their rows, here and in earlier flushes, are complete.</param>
/// <param name="IncompleteVisits">Visits that became Incomplete in this flush, with the reason.</param>
public sealed record IngestCommit(
    long Flush,
    string Writer,
    DateTimeOffset CutAt,
    IReadOnlyList<IngestCommitFile> Files,
    IReadOnlyList<long> CompletedVisits,
    IReadOnlyList<IncompleteVisit> IncompleteVisits)
{
    /// <summary>The controller's <see cref="IngestOptions.WriterId"/> this flush belongs to (a replayed spill belongs to the writer that spilled it).</summary>
    public string BaseWriter => CommitNames.BaseWriter(Writer);

    /// <summary>Where the record is stored.</summary>
    public string Path => CommitNames.CommitPath(Flush, Writer);
}

/// <summary>A part of a committed flush.</summary>
/// <param name="Table">The table.</param>
/// <param name="Path">The part's path in the dataset.</param>
/// <param name="Rows">Its rows.</param>
/// <param name="Bytes">Its length.</param>
/// <param name="Crc32C">The CRC32C of its bytes.</param>
/// <param name="Visits">The visits whose rows it holds, in row order; empty for <c>incomplete_visits</c>.</param>
public sealed record IngestCommitFile(string Table, string Path, long Rows, long Bytes, uint Crc32C, IReadOnlyList<IngestVisitRows> Visits);

/// <summary>A visit's contiguous rows in a part.</summary>
public readonly record struct IngestVisitRows(long VisitId, int Rows);

/// <summary>The names of an ingest dataset's files; one place, so that the writer, recovery, spill and readers agree.</summary>
internal static class CommitNames
{
    public const string CommitDirectory = "_commits";
    public const string LockDirectory = "_locks";
    public const string SpillSeparator = ".spill-";

    /// <summary>The largest flush number: names spell it in twelve digits.</summary>
    public const long MaxFlush = 999_999_999_999;

    public static string Number(long flush) => flush.ToString("D12", CultureInfo.InvariantCulture);

    public static string CommitPath(long flush, string writer) => $"{CommitDirectory}/{Number(flush)}-{writer}.json";

    public static string PartPath(string table, long flush, string writer, string extension) => $"{table}/part-{Number(flush)}-{writer}{extension}";

    public static string BaseWriter(string identity)
    {
        var dot = identity.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? identity : identity[..dot];
    }

    /// <summary>Parses "<c>NNNNNNNNNNNN-writer.json</c>".</summary>
    public static bool TryParseCommitName(string name, out long flush, out string writer)
    {
        flush = 0;
        writer = string.Empty;
        if (name.Length < 12 + 1 + 1 + 5 || name[12] != '-' || !name.EndsWith(".json", StringComparison.Ordinal)
            || !long.TryParse(name.AsSpan(0, 12), NumberStyles.None, CultureInfo.InvariantCulture, out flush))
        {
            return false;
        }

        writer = name[13..^5];
        return IsWriterIdentity(writer);
    }

    /// <summary>Parses "<c>part-NNNNNNNNNNNN-writer.ext</c>".</summary>
    public static bool TryParsePartName(string name, out long flush, out string writerAndExtension)
    {
        flush = 0;
        writerAndExtension = string.Empty;
        if (!name.StartsWith("part-", StringComparison.Ordinal) || name.Length < 5 + 12 + 2 || name[17] != '-'
            || !long.TryParse(name.AsSpan(5, 12), NumberStyles.None, CultureInfo.InvariantCulture, out flush))
        {
            return false;
        }

        writerAndExtension = name[18..];
        return true;
    }

    public static bool IsWriterIdentity(string identity)
    {
        var dot = identity.IndexOf(SpillSeparator, StringComparison.Ordinal);
        if (dot < 0)
        {
            return IngestOptions.IsValidWriterId(identity);
        }

        var spill = identity[(dot + SpillSeparator.Length)..];
        return IngestOptions.IsValidWriterId(identity[..dot]) && spill.Length == 16 && spill.All(char.IsAsciiHexDigitLower);
    }

    /// <summary>Table names become directory names: refused when they would collide with the dataset's own directories or escape.</summary>
    public static bool IsValidTable(string table) =>
        table is { Length: > 0 and <= 128 } && !table.StartsWith('_') && table.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') && table != "." && table != "..";
}

internal sealed class CommitDocument
{
    public int Format { get; set; }

    public long Flush { get; set; }

    public string? Writer { get; set; }

    public DateTimeOffset CutAt { get; set; }

    public List<CommitFileDocument>? Files { get; set; }

    public List<long>? Completed { get; set; }

    public List<IncompleteDocument>? Incomplete { get; set; }
}

internal sealed class CommitFileDocument
{
    public string? Table { get; set; }

    public string? Path { get; set; }

    public long Rows { get; set; }

    public long Bytes { get; set; }

    public uint Crc32C { get; set; }

    public List<long[]>? Visits { get; set; }
}

internal sealed class IncompleteDocument
{
    public long Visit { get; set; }

    public string? Reason { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, MaxDepth = 8)]
[JsonSerializable(typeof(CommitDocument))]
[JsonSerializable(typeof(SpillManifestDocument))]
internal sealed partial class IngestJsonContext : JsonSerializerContext
{
}

/// <summary>Encodes commit records and validates them on read: nothing from storage is used before it passes here.</summary>
internal static class CommitRecordCodec
{
    public const int FormatVersion = 1;
    public const int MaxRecordBytes = 64 * 1024 * 1024;

    public static uint Crc32C(ReadOnlySpan<byte> bytes) => Checksums.Crc32C(bytes);

    public static byte[] Encode(IngestCommit commit) => JsonSerializer.SerializeToUtf8Bytes(ToDocument(commit), IngestJsonContext.Default.CommitDocument);

    public static CommitDocument ToDocument(IngestCommit commit) => new()
    {
        Format = FormatVersion,
        Flush = commit.Flush,
        Writer = commit.Writer,
        CutAt = commit.CutAt,
        Files = commit.Files.Select(f => new CommitFileDocument
        {
            Table = f.Table,
            Path = f.Path,
            Rows = f.Rows,
            Bytes = f.Bytes,
            Crc32C = f.Crc32C,
            Visits = f.Visits.Select(v => new[] { v.VisitId, v.Rows }).ToList(),
        }).ToList(),
        Completed = commit.CompletedVisits.ToList(),
        Incomplete = commit.IncompleteVisits.Select(v => new IncompleteDocument { Visit = v.VisitId, Reason = v.Reason }).ToList(),
    };

    /// <summary>Parses and checks the record stored at <paramref name="path"/>, whose name says flush and writer.</summary>
    /// <exception cref="IngestDataException">Malformed, or disagreeing with its name.</exception>
    public static IngestCommit Decode(string path, ReadOnlySpan<byte> bytes, long expectedFlush, string expectedWriter)
    {
        CommitDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(bytes, IngestJsonContext.Default.CommitDocument);
        }
        catch (JsonException exception)
        {
            throw new IngestDataException(path, $"not a valid commit record ({exception.Message})", exception);
        }

        return FromDocument(path, document, expectedFlush, expectedWriter);
    }

    public static IngestCommit FromDocument(string path, CommitDocument? document, long expectedFlush, string expectedWriter)
    {
        if (document is null)
        {
            throw new IngestDataException(path, "the commit record is empty");
        }

        Require(path, document.Format == FormatVersion, $"format version {document.Format} is not the supported {FormatVersion}");
        Require(path, document.Flush == expectedFlush && document.Writer == expectedWriter, $"it names flush {document.Flush} of writer '{document.Writer}' but is stored as flush {expectedFlush} of '{expectedWriter}'");
        var files = new List<IngestCommitFile>();
        var tables = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in document.Files ?? [])
        {
            Require(path, file.Table is not null && CommitNames.IsValidTable(file.Table) && tables.Add(file.Table), $"file table '{file.Table}' is invalid or repeated");
            Require(path, file.Path is not null && (file.Path == CommitNames.PartPath(file.Table!, expectedFlush, expectedWriter, ".parquet") || file.Path == CommitNames.PartPath(file.Table!, expectedFlush, expectedWriter, ".arrow")), $"part path '{file.Path}' is not this flush's part of table '{file.Table}'");
            Require(path, file.Rows >= 0 && file.Bytes >= 0, $"part '{file.Path}' has a negative row count or size");
            var visits = ReadVisits(path, file.Path!, file.Visits, out var segmentRows);
            Require(path, visits.Count == 0 ? file.Table == "incomplete_visits" : segmentRows == file.Rows, $"part '{file.Path}' lists {segmentRows} visit rows but holds {file.Rows}");
            files.Add(new IngestCommitFile(file.Table!, file.Path!, file.Rows, file.Bytes, file.Crc32C, visits));
        }

        var incomplete = new List<IncompleteVisit>();
        foreach (var entry in document.Incomplete ?? [])
        {
            Require(path, entry.Reason is not null, $"incomplete visit {entry.Visit} has no reason");
            incomplete.Add(new IncompleteVisit(entry.Visit, entry.Reason!));
        }

        return new IngestCommit(expectedFlush, expectedWriter, document.CutAt, files, document.Completed ?? [], incomplete);
    }

    /// <summary>A part's visits as stored, <c>[visit, rows]</c> pairs: each pair whole, its rows positive and within one batch.</summary>
    /// <param name="path">The record or manifest that lists them, for the error.</param>
    /// <param name="part">The part they belong to, for the error.</param>
    /// <param name="segments">The stored pairs; null reads as none.</param>
    /// <param name="rows">Their rows together.</param>
    public static List<IngestVisitRows> ReadVisits(string path, string part, List<long[]>? segments, out long rows)
    {
        var visits = new List<IngestVisitRows>();
        rows = 0;
        foreach (var segment in segments ?? [])
        {
            Require(path, segment is { Length: 2 } && segment[1] is > 0 and <= int.MaxValue, $"part '{part}' has a malformed visit segment");
            visits.Add(new IngestVisitRows(segment[0], (int)segment[1]));
            rows += segment[1];
        }

        return visits;
    }

    internal static void Require(string path, bool condition, string reason)
    {
        if (!condition)
        {
            throw new IngestDataException(path, reason);
        }
    }
}
