using Bulwark.Serialization;
using Bulwark.Storage;

namespace Bulwark.Checkpoints;

/// <summary>What <see cref="CheckpointStoreVerifier"/> found.</summary>
/// <param name="Checkpoints">The catalogued checkpoints whose manifests could be read, oldest first.</param>
/// <param name="Problems">Everything that makes a checkpoint unrestorable or the store refuse to open; empty when healthy.</param>
/// <param name="Notes">Harmless findings, such as a directory an interrupted commit left behind.</param>
/// <param name="FilesChecked">Distinct files whose presence and size (and, when contents were checked, CRC32C and header) were verified.</param>
public sealed record CheckpointVerification(
    IReadOnlyList<CheckpointInfo> Checkpoints,
    IReadOnlyList<CheckpointProblem> Problems,
    IReadOnlyList<string> Notes,
    int FilesChecked)
{
    public bool IsHealthy => Problems.Count == 0;
}

/// <summary>
/// Checks a checkpoint store without changing it: unlike <see cref="Checkpointer.OpenAsync"/>, which recovers (creates
/// an empty catalog, removes leftovers of interrupted commits), verification only reads. It reports every problem it
/// can find rather than stopping at the first, so that one run of <c>bulwark verify</c> lists all the damage.
/// </summary>
public static class CheckpointStoreVerifier
{
    /// <param name="backend">The store.</param>
    /// <param name="checkContents">Also read every file to check its CRC32C and, for state files, the serializer header.</param>
    /// <param name="options">Size limits; the defaults of <see cref="CheckpointerOptions"/> when null.</param>
    /// <param name="cancellationToken">Cancels the verification.</param>
    /// <exception cref="StorageException">The storage itself failed (not a problem of the store's contents).</exception>
    public static async ValueTask<CheckpointVerification> VerifyAsync(
        IStorageBackend backend,
        bool checkContents = true,
        CheckpointerOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backend);
        options ??= new CheckpointerOptions();
        var problems = new List<CheckpointProblem>();
        var notes = new List<string>();
        var checkpoints = new List<CheckpointInfo>();

        IReadOnlyList<StorageEntry> root;
        try
        {
            root = await backend.ListAsync(string.Empty, cancellationToken).ConfigureAwait(false);
        }
        catch (DirectoryNotFoundException)
        {
            problems.Add(new CheckpointProblem(string.Empty, CheckpointProblemKind.Missing, $"the store root {backend.Description} does not exist"));
            return new CheckpointVerification(checkpoints, problems, notes, 0);
        }

        var directories = root.Where(e => e.IsDirectory && CheckpointFiles.TryParseDirectoryName(e.Name, out _)).Select(e => e.Name).ToList();
        var catalog = root.FirstOrDefault(e => !e.IsDirectory && e.Name == CheckpointFiles.CatalogFileName);
        if (catalog is null)
        {
            problems.Add(new CheckpointProblem(
                CheckpointFiles.CatalogFileName,
                CheckpointProblemKind.Missing,
                directories.Count > 0
                    ? $"the catalog is missing while {directories.Count} checkpoint directories exist ({string.Join(", ", directories)}); the checkpointer refuses to start rather than treat this as a clean slate"
                    : "there is no catalog: this is not a Bulwark checkpoint store"));
            return new CheckpointVerification(checkpoints, problems, notes, 0);
        }

        var ids = await ReadCatalogAsync(backend, catalog, options, problems, cancellationToken).ConfigureAwait(false);
        var verified = new Dictionary<string, CheckpointProblem?>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var info = await ReadManifestAsync(backend, id, options, problems, cancellationToken).ConfigureAwait(false);
            if (info is null)
            {
                continue;
            }

            checkpoints.Add(info);
            foreach (var file in info.Files)
            {
                // A shared file several checkpoints list is checked (and reported) once.
                if (!verified.TryGetValue(file.Path, out var problem))
                {
                    problem = await VerifyFileAsync(backend, id, file, checkContents, cancellationToken).ConfigureAwait(false);
                    verified[file.Path] = problem;
                    if (problem is not null)
                    {
                        problems.Add(problem);
                    }
                }
            }
        }

        var catalogued = ids.Select(CheckpointFiles.DirectoryOf).ToHashSet(StringComparer.Ordinal);
        foreach (var directory in directories.Where(d => !catalogued.Contains(d)))
        {
            notes.Add($"'{directory}' is not in the catalog: an interrupted commit left it; opening the checkpointer removes it once every catalogued manifest can be read");
        }

        foreach (var entry in root.Where(e => !e.IsDirectory && e.Name != CheckpointFiles.CatalogFileName && !CheckpointFiles.IsStoreLockFile(e.Name) && !verified.ContainsKey(e.Path)))
        {
            notes.Add($"'{entry.Path}' is referenced by no catalogued checkpoint");
        }

        return new CheckpointVerification(checkpoints, problems, notes, verified.Count);
    }

    private static async ValueTask<IReadOnlyList<Guid>> ReadCatalogAsync(IStorageBackend backend, StorageEntry catalog, CheckpointerOptions options, List<CheckpointProblem> problems, CancellationToken cancellationToken)
    {
        if (catalog.Length > options.MaxCatalogBytes)
        {
            problems.Add(new CheckpointProblem(catalog.Path, CheckpointProblemKind.TooLarge, $"the catalog is {catalog.Length} bytes, more than the {options.MaxCatalogBytes} allowed"));
            return [];
        }

        try
        {
            var bytes = await backend.ReadAllBytesAsync(catalog.Path, options.MaxCatalogBytes, cancellationToken).ConfigureAwait(false);
            return CheckpointFiles.DecodeCatalog(bytes).Ids;
        }
        catch (CheckpointCorruptException e)
        {
            problems.AddRange(e.Problems);
            return [];
        }
    }

    private static async ValueTask<CheckpointInfo?> ReadManifestAsync(IStorageBackend backend, Guid id, CheckpointerOptions options, List<CheckpointProblem> problems, CancellationToken cancellationToken)
    {
        var path = CheckpointFiles.ManifestPath(id);
        var entry = await backend.GetEntryAsync(path, cancellationToken).ConfigureAwait(false);
        if (entry is null || entry.IsDirectory)
        {
            problems.Add(new CheckpointProblem(path, CheckpointProblemKind.Missing, $"checkpoint {id:D} is in the catalog but its manifest is missing"));
            return null;
        }

        if (entry.Length > options.MaxManifestBytes)
        {
            problems.Add(new CheckpointProblem(path, CheckpointProblemKind.TooLarge, $"the manifest is {entry.Length} bytes, more than the {options.MaxManifestBytes} allowed"));
            return null;
        }

        try
        {
            var bytes = await backend.ReadAllBytesAsync(path, options.MaxManifestBytes, cancellationToken).ConfigureAwait(false);
            return CheckpointFiles.DecodeManifest(id, bytes, options.MaxFilesPerCheckpoint);
        }
        catch (CheckpointCorruptException e)
        {
            problems.AddRange(e.Problems);
            return null;
        }
    }

    private static async ValueTask<CheckpointProblem?> VerifyFileAsync(IStorageBackend backend, Guid id, CheckpointFileInfo file, bool checkContents, CancellationToken cancellationToken)
    {
        var entry = await backend.GetEntryAsync(file.Path, cancellationToken).ConfigureAwait(false);
        if (entry is null || entry.IsDirectory)
        {
            return new CheckpointProblem(file.Path, CheckpointProblemKind.Missing, $"checkpoint {id:D} needs this {Describe(file)} but it is missing");
        }

        if (entry.Length != file.Length)
        {
            return new CheckpointProblem(file.Path, CheckpointProblemKind.WrongSize, $"it is {entry.Length} bytes; the manifest of checkpoint {id:D} records {file.Length}");
        }

        if (!checkContents)
        {
            return null;
        }

        var bytes = await backend.ReadAllBytesAsync(file.Path, file.Length, cancellationToken).ConfigureAwait(false);
        var crc = Checksums.Crc32C(bytes);
        if (crc != file.Crc32C)
        {
            return new CheckpointProblem(file.Path, CheckpointProblemKind.WrongChecksum, $"its CRC32C is {crc:x8}; the manifest of checkpoint {id:D} records {file.Crc32C:x8}");
        }

        if (file.Kind == CheckpointFileKind.State)
        {
            try
            {
                CheckpointSerializer.ReadHeader(bytes, file.Path);
            }
            catch (CheckpointFormatException e)
            {
                return new CheckpointProblem(file.Path, CheckpointProblemKind.Malformed, $"the state of operator '{file.OperatorId}' is not a valid checkpoint state: {e.Reason}");
            }
        }

        return null;
    }

    private static string Describe(CheckpointFileInfo file) =>
        file.Kind == CheckpointFileKind.State ? $"state file of operator '{file.OperatorId}'" : "shared batch file";
}
