using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Storage;

// Creating and fsyncing directories, and the dirty-directory bookkeeping.
public sealed partial class LocalFileSystemBackend
{
    private void CreateRoot()
    {
        var missing = new Stack<string>();
        var current = RootPath;
        while (!Directory.Exists(current))
        {
            if (File.Exists(current))
            {
                throw new StorageException($"Cannot use '{RootPath}' as a storage root: '{current}' is a file.");
            }

            missing.Push(current);
            current = Path.GetDirectoryName(current) ?? throw new StorageException($"Cannot use '{RootPath}' as a storage root: its volume does not exist.");
        }

        while (missing.TryPop(out var directory))
        {
            try
            {
                Directory.CreateDirectory(directory);
            }
            catch (Exception exception) when (IsIoFailure(exception))
            {
                throw new StorageException($"Cannot create the storage root '{RootPath}': {exception.Message}", exception);
            }

            var parent = Path.GetDirectoryName(directory)!;
            if (DirectorySync.Sync(SystemCalls, parent, $"'{parent}'", $"the chain of {Description}"))
            {
                instruments.DirectorySynced();
            }
        }
    }

    /// <summary>Creates the missing levels of <paramref name="normalizedDirectory"/>, syncing each new level's parent.</summary>
    private void EnsureDirectory(string normalizedDirectory, string forPath)
    {
        if (normalizedDirectory.Length == 0)
        {
            return;
        }

        var current = string.Empty;
        var currentFull = RootPath;
        foreach (var segment in normalizedDirectory.Split('/'))
        {
            var next = current.Length == 0 ? segment : current + "/" + segment;
            var nextFull = Path.Join(currentFull, segment);
            if (!Directory.Exists(nextFull))
            {
                if (File.Exists(nextFull))
                {
                    throw new StorageException($"Cannot create '{forPath}' in {Description}: '{next}' is a file, not a directory.");
                }

                try
                {
                    Directory.CreateDirectory(nextFull);
                }
                catch (Exception exception) when (IsIoFailure(exception))
                {
                    throw Failed("create directory", next, exception);
                }

                StorageLog.DirectoryCreated(logger, next, Description);

                // The new entry lives in its parent; until the parent is synced a crash can lose the whole chain below it.
                try
                {
                    SyncDirectory(current, currentFull);
                }
                catch (StorageException)
                {
                    // Undone so that a retry creates it and syncs its parent again: left in place, the next call would
                    // find it and report success although its entry may not be durable.
                    TryDeleteEmptyDirectory(nextFull);
                    throw;
                }
            }

            current = next;
            currentFull = nextFull;
        }
    }

    private void SyncDirectory(string normalized, string full)
    {
        // Cleared before the fsync: a rename that lands during the fsync marks the directory dirty again afterwards.
        var wasDirty = dirtyDirectories.TryRemove(normalized, out _);
        try
        {
            if (DirectorySync.Sync(SystemCalls, full, StorageNames.Display(normalized), Description))
            {
                instruments.DirectorySynced();
                StorageLog.DirectorySynced(logger, normalized, Description);
            }
        }
        catch
        {
            if (wasDirty)
            {
                MarkDirty(normalized);
            }

            throw;
        }
    }

    private static void TryDeleteEmptyDirectory(string full)
    {
        try
        {
            Directory.Delete(full, recursive: false);
        }
        catch (Exception exception) when (IsIoFailure(exception))
        {
            // Another caller put something in it meanwhile: it stays, and so does the failure just reported.
        }
    }

    private void MarkDirty(string normalizedDirectory) => dirtyDirectories.TryAdd(normalizedDirectory, 0);

    private StorageException Failed(string action, string normalized, Exception exception) =>
        new($"Cannot {action} {StorageNames.Display(normalized)} in {Description}: {exception.Message}", exception);
}
