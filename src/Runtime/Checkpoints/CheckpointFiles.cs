using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Bulwark.Storage;

namespace Bulwark.Checkpoints;

/// <summary>What a file in a checkpoint is.</summary>
public enum CheckpointFileKind
{
    /// <summary>An operator's state, inside the checkpoint's directory.</summary>
    State,

    /// <summary>An immutable batch file at the store root, shared by the checkpoints that list it.</summary>
    Shared,
}

/// <summary>A file a checkpoint needs, as its manifest records it.</summary>
/// <param name="Path">Relative to the store root.</param>
/// <param name="Kind">State or shared.</param>
/// <param name="OperatorId">The operator whose state it is; null for a shared file.</param>
/// <param name="Length">The size in bytes.</param>
/// <param name="Crc32C">The CRC32C of the content.</param>
public sealed record CheckpointFileInfo(string Path, CheckpointFileKind Kind, string? OperatorId, long Length, uint Crc32C);

/// <summary>A committed checkpoint.</summary>
/// <param name="Id">Its UUIDv7 id, also its directory name.</param>
/// <param name="CreatedAt">When it was committed (from the checkpointer's <see cref="TimeProvider"/>).</param>
/// <param name="Files">Every file it needs.</param>
public sealed record CheckpointInfo(Guid Id, DateTimeOffset CreatedAt, IReadOnlyList<CheckpointFileInfo> Files)
{
    /// <summary>The operators that have state in this checkpoint.</summary>
    public IEnumerable<string> OperatorIds => Files.Where(f => f.Kind == CheckpointFileKind.State).Select(f => f.OperatorId!);
}

internal sealed class CatalogDocument
{
    public int FormatVersion { get; set; }

    /// <summary>Bumped by every checkpointer that opens the store; absent (0) in catalogs written before the fence existed.</summary>
    public long WriterEpoch { get; set; }

    public List<string>? Checkpoints { get; set; }
}

/// <summary>A decoded catalog: the committed ids in order and the epoch of the writer that owns the store.</summary>
internal sealed record CatalogContent(IReadOnlyList<Guid> Ids, long WriterEpoch);

internal sealed class ManifestDocument
{
    public int FormatVersion { get; set; }

    public string? CheckpointId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public List<ManifestFileDocument>? Files { get; set; }
}

internal sealed class ManifestFileDocument
{
    public string? Path { get; set; }

    public string? Kind { get; set; }

    public string? OperatorId { get; set; }

    public long Length { get; set; }

    public uint Crc32C { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, MaxDepth = 8)]
[JsonSerializable(typeof(CatalogDocument))]
[JsonSerializable(typeof(ManifestDocument))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext
{
}

/// <summary>Encodes and validates the catalog and manifests: nothing read from storage is used before it passes here.</summary>
internal static class CheckpointFiles
{
    public const string CatalogFileName = "checkpoints.json";
    public const string ManifestFileName = "manifest.json";
    public const string LockFileName = "checkpoints.lock";
    public const string StateFileExtension = ".state";
    public const int CatalogFormatVersion = 1;
    public const int ManifestFormatVersion = 1;
    public const int MaxOperatorIdLength = 200;

    public static string DirectoryOf(Guid id) => id.ToString("D");

    /// <summary>The store's lock file and the owner record beside it: part of the store, never unreferenced leftovers.</summary>
    public static bool IsStoreLockFile(string name) => name is LockFileName or LockFileName + LocalFileLock.OwnerSuffix;

    /// <summary>A checkpoint directory is named exactly by the lowercase "D" form of its id; nothing else is ours to remove.</summary>
    public static bool TryParseDirectoryName(string name, out Guid id) =>
        Guid.TryParseExact(name, "D", out id) && DirectoryOf(id) == name;

    public static bool IsValidOperatorId(string id) =>
        id.Length is > 0 and <= MaxOperatorIdLength && id[0] != '.' && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>A shared file lives at the root under a single-segment name that cannot be confused with the catalog or a checkpoint directory.</summary>
    public static string? SharedNameProblem(string name)
    {
        string normalized;
        try
        {
            normalized = StoragePath.Normalize(name);
        }
        catch (StoragePathException e)
        {
            return e.Message;
        }

        if (normalized != name || name.Length == 0 || name.Contains('/'))
        {
            return "a shared file is named by one path segment at the store root";
        }

        if (name == CatalogFileName || name.StartsWith('.') || TryParseDirectoryName(name, out _))
        {
            return "the name is reserved for the catalog, temporaries or checkpoint directories";
        }

        return null;
    }

    public static byte[] EncodeCatalog(IEnumerable<Guid> ids, long writerEpoch) => JsonSerializer.SerializeToUtf8Bytes(
        new CatalogDocument { FormatVersion = CatalogFormatVersion, WriterEpoch = writerEpoch, Checkpoints = ids.Select(DirectoryOf).ToList() },
        CheckpointJsonContext.Default.CatalogDocument);

    public static CatalogContent DecodeCatalog(ReadOnlySpan<byte> bytes)
    {
        CatalogDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(bytes, CheckpointJsonContext.Default.CatalogDocument);
        }
        catch (JsonException e)
        {
            throw CatalogCorrupt($"it is not valid catalog JSON ({e.Message})", e);
        }

        if (document is null)
        {
            throw CatalogCorrupt("it is JSON null");
        }

        if (document.FormatVersion != CatalogFormatVersion)
        {
            throw CatalogCorrupt($"format version {document.FormatVersion} is not supported (expected {CatalogFormatVersion})");
        }

        if (document.Checkpoints is null)
        {
            throw CatalogCorrupt("it has no \"checkpoints\" list");
        }

        if (document.WriterEpoch < 0)
        {
            throw CatalogCorrupt($"writer epoch {document.WriterEpoch} is negative");
        }

        var ids = new List<Guid>(document.Checkpoints.Count);
        var seen = new HashSet<Guid>();
        foreach (var text in document.Checkpoints)
        {
            if (text is null || !TryParseDirectoryName(text, out var id))
            {
                throw CatalogCorrupt($"'{text}' is not a checkpoint id");
            }

            if (!seen.Add(id))
            {
                throw CatalogCorrupt($"checkpoint {text} is listed twice");
            }

            ids.Add(id);
        }

        return new CatalogContent(ids, document.WriterEpoch);
    }

    public static byte[] EncodeManifest(CheckpointInfo info) => JsonSerializer.SerializeToUtf8Bytes(
        new ManifestDocument
        {
            FormatVersion = ManifestFormatVersion,
            CheckpointId = DirectoryOf(info.Id),
            CreatedAt = info.CreatedAt,
            Files = info.Files.Select(f => new ManifestFileDocument
            {
                Path = f.Path,
                Kind = f.Kind == CheckpointFileKind.State ? "state" : "shared",
                OperatorId = f.OperatorId,
                Length = f.Length,
                Crc32C = f.Crc32C,
            }).ToList(),
        },
        CheckpointJsonContext.Default.ManifestDocument);

    /// <summary>
    /// Parses and validates a manifest. Every path goes through <see cref="StoragePath.Normalize"/> and must be the
    /// canonical spelling of a state file in the checkpoint's own directory or of a shared file at the root: a manifest
    /// naming <c>../x</c> or an absolute path is refused as a whole, so nothing it names is ever read or deleted.
    /// </summary>
    public static CheckpointInfo DecodeManifest(Guid id, ReadOnlySpan<byte> bytes, int maxFiles)
    {
        var path = ManifestPath(id);
        ManifestDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(bytes, CheckpointJsonContext.Default.ManifestDocument);
        }
        catch (JsonException e)
        {
            throw ManifestCorrupt(id, path, CheckpointProblemKind.Malformed, $"it is not valid manifest JSON ({e.Message})", e);
        }

        if (document is null)
        {
            throw ManifestCorrupt(id, path, CheckpointProblemKind.Malformed, "it is JSON null");
        }

        if (document.FormatVersion != ManifestFormatVersion)
        {
            throw ManifestCorrupt(id, path, CheckpointProblemKind.Malformed, $"format version {document.FormatVersion} is not supported (expected {ManifestFormatVersion})");
        }

        if (document.CheckpointId != DirectoryOf(id))
        {
            throw ManifestCorrupt(id, path, CheckpointProblemKind.Malformed, $"it names checkpoint '{document.CheckpointId}', not the directory it is in");
        }

        if (document.Files is null)
        {
            throw ManifestCorrupt(id, path, CheckpointProblemKind.Malformed, "it has no \"files\" list");
        }

        if (document.Files.Count > maxFiles)
        {
            throw ManifestCorrupt(id, path, CheckpointProblemKind.TooLarge, $"it lists {document.Files.Count} files, more than the {maxFiles} allowed");
        }

        var directory = DirectoryOf(id);
        var files = new List<CheckpointFileInfo>(document.Files.Count);
        var paths = new HashSet<string>(StringComparer.Ordinal);
        var operators = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in document.Files)
        {
            if (file?.Path is null || file.Kind is null)
            {
                throw ManifestCorrupt(id, path, CheckpointProblemKind.Malformed, "a file entry has no path or kind");
            }

            string normalized;
            try
            {
                normalized = StoragePath.Normalize(file.Path);
            }
            catch (StoragePathException e)
            {
                throw ManifestCorrupt(id, path, CheckpointProblemKind.RefusedPath, $"it lists a refused path: {e.Message}", e);
            }

            if (normalized != file.Path)
            {
                throw ManifestCorrupt(id, path, CheckpointProblemKind.RefusedPath, $"it lists '{file.Path}', which is not in canonical form '{normalized}'");
            }

            if (file.Length < 0)
            {
                throw ManifestCorrupt(id, path, CheckpointProblemKind.Malformed, $"'{file.Path}' has a negative length");
            }

            CheckpointFileInfo info;
            switch (file.Kind)
            {
                case "state":
                    if (file.OperatorId is null || !IsValidOperatorId(file.OperatorId) || normalized != StatePath(id, file.OperatorId))
                    {
                        throw ManifestCorrupt(id, path, CheckpointProblemKind.RefusedPath, $"state file '{file.Path}' is not '{directory}/<operator id>{StateFileExtension}' of a valid operator id");
                    }

                    if (!operators.Add(file.OperatorId))
                    {
                        throw ManifestCorrupt(id, path, CheckpointProblemKind.Malformed, $"operator '{file.OperatorId}' is listed twice");
                    }

                    info = new CheckpointFileInfo(normalized, CheckpointFileKind.State, file.OperatorId, file.Length, file.Crc32C);
                    break;
                case "shared":
                    if (file.OperatorId is not null || SharedNameProblem(normalized) is { } problem)
                    {
                        throw ManifestCorrupt(id, path, CheckpointProblemKind.RefusedPath, $"shared file '{file.Path}' is refused: {SharedNameProblem(normalized) ?? "a shared file has no operator"}");
                    }

                    info = new CheckpointFileInfo(normalized, CheckpointFileKind.Shared, null, file.Length, file.Crc32C);
                    break;
                default:
                    throw ManifestCorrupt(id, path, CheckpointProblemKind.Malformed, $"'{file.Path}' has unknown kind '{file.Kind}'");
            }

            if (!paths.Add(normalized))
            {
                throw ManifestCorrupt(id, path, CheckpointProblemKind.Malformed, $"'{file.Path}' is listed twice");
            }

            files.Add(info);
        }

        return new CheckpointInfo(id, document.CreatedAt, files);
    }

    public static string ManifestPath(Guid id) => DirectoryOf(id) + "/" + ManifestFileName;

    public static string StatePath(Guid id, string operatorId) => DirectoryOf(id) + "/" + operatorId + StateFileExtension;

    public static CheckpointCorruptException CatalogCorrupt(string reason, Exception? inner = null) =>
        new(null, [new CheckpointProblem(CatalogFileName, CheckpointProblemKind.Malformed, reason)], inner);

    public static CheckpointCorruptException ManifestCorrupt(Guid id, string path, CheckpointProblemKind kind, string reason, Exception? inner = null) =>
        new(id, [new CheckpointProblem(path, kind, reason)], inner);
}
