using Bulwark.Storage;

namespace Bulwark.Ingest;

/// <summary>
/// Writes a <see cref="FrozenFlush"/>: every part through a no-replace pending file, the table directories synced, then
/// the commit record through a no-replace pending file and <c>_commits</c> synced — that sync is the commit point. A
/// file found already there with the same bytes is an earlier attempt's that took effect: success. Found with other
/// bytes, it is another controller's under the same writer id: <see cref="IngestWriterConflictException"/>, and nothing
/// of that controller's is overwritten.
/// </summary>
internal sealed class FlushWriter(IStorageBackend backend)
{
    public async Task WriteAsync(FrozenFlush flush, CancellationToken cancellationToken)
    {
        foreach (var part in flush.Parts)
        {
            await WriteExactAsync(part.Path, part.Bytes, flush.Writer, cancellationToken).ConfigureAwait(false);
        }

        // Every part's rename must be durable before a commit record can point at it.
        foreach (var directory in flush.Parts.Select(p => StoragePath.GetDirectory(p.Path)).Distinct(StringComparer.Ordinal))
        {
            await backend.SyncDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
        }

        await WriteExactAsync(flush.RecordPath, flush.RecordBytes, flush.Writer, cancellationToken).ConfigureAwait(false);
        await backend.SyncDirectoryAsync(CommitNames.CommitDirectory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// True when an attempt that reported failure had in fact written the commit record (byte for byte); its directory
    /// is then synced, so the flush is committed now. False when the record is absent, other, or unreadable.
    /// </summary>
    public async Task<bool> TookEffectAsync(FrozenFlush flush, CancellationToken cancellationToken)
    {
        try
        {
            if (!await HoldsAsync(flush.RecordPath, flush.RecordBytes, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            await backend.SyncDirectoryAsync(CommitNames.CommitDirectory, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private async Task WriteExactAsync(string path, byte[] bytes, string writer, CancellationToken cancellationToken)
    {
        try
        {
            await using var file = await backend.CreateNewAsync(path, cancellationToken).ConfigureAwait(false);
            await file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await file.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (StorageFileExistsException)
        {
            if (!await HoldsAsync(path, bytes, cancellationToken).ConfigureAwait(false))
            {
                throw new IngestWriterConflictException(path, writer, backend.Description);
            }
        }
    }

    private async Task<bool> HoldsAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        var entry = await backend.GetEntryAsync(path, cancellationToken).ConfigureAwait(false);
        if (entry is not { IsDirectory: false } || entry.Length != bytes.Length)
        {
            return false;
        }

        var existing = await backend.ReadAllBytesAsync(path, bytes.Length, cancellationToken).ConfigureAwait(false);
        return existing.AsSpan().SequenceEqual(bytes);
    }
}
