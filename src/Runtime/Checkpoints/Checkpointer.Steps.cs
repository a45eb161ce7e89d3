using System.Text.Json;

namespace Bulwark.Checkpoints;

/// <summary>The storage steps every protocol is built from, each wrapped so that a failure names its step and path.</summary>
public sealed partial class Checkpointer
{
    private async ValueTask<CheckpointInfo> ReadManifestAsync(Guid id, CancellationToken cancellationToken)
    {
        var path = CheckpointFiles.ManifestPath(id);
        var entry = await Io(path, () => _backend.GetEntryAsync(path, cancellationToken)).ConfigureAwait(false);
        if (entry is null)
        {
            throw CheckpointFiles.ManifestCorrupt(id, path, CheckpointProblemKind.Missing, "the manifest is missing");
        }

        if (entry.IsDirectory)
        {
            throw CheckpointFiles.ManifestCorrupt(id, path, CheckpointProblemKind.Malformed, "a directory is where the manifest should be");
        }

        if (entry.Length > _options.MaxManifestBytes)
        {
            throw CheckpointFiles.ManifestCorrupt(id, path, CheckpointProblemKind.TooLarge, $"it is {entry.Length} bytes, more than the {_options.MaxManifestBytes} allowed");
        }

        byte[] bytes;
        try
        {
            bytes = await _backend.ReadAllBytesAsync(path, _options.MaxManifestBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw CheckpointFiles.ManifestCorrupt(id, path, CheckpointProblemKind.Missing, "the manifest is missing", e);
        }
        catch (IOException e)
        {
            throw new CheckpointStoreException($"Could not read '{path}': {e.Message}", [path], e);
        }

        return Deviations.HasFlag(ProtocolDeviation.UncheckedManifest)
            ? DecodeManifestUnchecked(bytes)
            : CheckpointFiles.DecodeManifest(id, bytes, _options.MaxFilesPerCheckpoint);
    }

    /// <summary>The historical bug of issue point 2: whatever the JSON holds is trusted, so a malformed manifest escapes as a raw exception.</summary>
    private static CheckpointInfo DecodeManifestUnchecked(byte[] bytes)
    {
        var document = JsonSerializer.Deserialize(bytes, CheckpointJsonContext.Default.ManifestDocument)!;
        return new CheckpointInfo(
            Guid.Parse(document.CheckpointId!),
            document.CreatedAt,
            document.Files!.Select(f => new CheckpointFileInfo(f.Path!, f.Kind == "state" ? CheckpointFileKind.State : CheckpointFileKind.Shared, f.OperatorId, f.Length, f.Crc32C)).ToArray());
    }

    private async ValueTask<long> WriteFileStepAsync(CheckpointCommitStep step, string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await Step(step, path, async () =>
        {
            var file = await _backend.CreateAsync(path, cancellationToken).ConfigureAwait(false);
            await using (file.ConfigureAwait(false))
            {
                await file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                await file.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        _metrics.Fsyncs.Add(1);
        return bytes.Length;
    }

    private async ValueTask SyncStepAsync(CheckpointCommitStep step, string directory, CancellationToken cancellationToken)
    {
        await Step(step, directory, () => _backend.SyncDirectoryAsync(directory, cancellationToken)).ConfigureAwait(false);
        _metrics.Fsyncs.Add(1);
    }

    /// <summary>Best-effort removal of a failed commit's new files; anything left is an orphan that recovery or GC removes.</summary>
    private async ValueTask TryRemoveQuietlyAsync(Guid id, IEnumerable<string> newSharedFiles)
    {
        var directory = CheckpointFiles.DirectoryOf(id);
        try
        {
            var deletedShared = false;
            foreach (var path in newSharedFiles)
            {
                deletedShared |= await _backend.DeleteAsync(path, CancellationToken.None).ConfigureAwait(false);
            }

            if (deletedShared)
            {
                await _backend.SyncDirectoryAsync(Root, CancellationToken.None).ConfigureAwait(false);
            }

            if (await _backend.DeleteDirectoryAsync(directory, CancellationToken.None).ConfigureAwait(false))
            {
                await _backend.SyncDirectoryAsync(Root, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (IOException e)
        {
            CheckpointerLog.CleanupFailed(_logger, e, directory, _backend.Description);
        }
    }

    private static async ValueTask Step(CheckpointCommitStep step, string path, Func<ValueTask> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not CheckpointException)
        {
            throw new CheckpointCommitException(step, path, e);
        }
    }

    private static async ValueTask<T> Step<T>(CheckpointCommitStep step, string path, Func<ValueTask<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not CheckpointException)
        {
            throw new CheckpointCommitException(step, path, e);
        }
    }

    private static async ValueTask<T> Io<T>(string path, Func<ValueTask<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new CheckpointStoreException($"Storage failed at '{path}': {e.Message}", [path], e);
        }
    }
}
