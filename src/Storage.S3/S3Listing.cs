using Microsoft.Extensions.Logging;

namespace Bulwark.Storage.S3;

/// <summary>
/// A directory's entries from a '/'-delimited listing: objects are files, common prefixes directories. Keys no storage
/// path can name are left out, so a listing never hands a caller an entry it could not read, keep or delete.
/// </summary>
internal sealed class S3Listing(S3Bucket bucket, ILogger logger)
{
    public async Task<IReadOnlyList<StorageEntry>> ListAsync(string normalized, CancellationToken cancellationToken)
    {
        var listPrefix = bucket.DirectoryKey(normalized);
        var entries = new List<StorageEntry>();

        // Any key below the prefix, the directory's own marker included, means the directory exists.
        var anything = normalized.Length == 0;
        await foreach (var page in bucket.ListPagesAsync(listPrefix, "/", normalized, cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in page.S3Objects ?? [])
            {
                anything = true;
                if (item.Key.Length == listPrefix.Length)
                {
                    continue; // the directory's own marker
                }

                AddEntry(entries, normalized, item.Key[listPrefix.Length..], isDirectory: false, item.Size ?? 0);
            }

            foreach (var common in page.CommonPrefixes ?? [])
            {
                anything = true;
                AddEntry(entries, normalized, common[listPrefix.Length..^1], isDirectory: true, 0);
            }
        }

        if (!anything)
        {
            throw await bucket.HeadAsync(normalized, cancellationToken).ConfigureAwait(false) is not null
                ? bucket.IsFile(normalized)
                : (IOException)bucket.DirectoryNotFound(normalized);
        }

        entries.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name) is var byName and not 0 ? byName : a.IsDirectory.CompareTo(b.IsDirectory));
        return entries;
    }

    private void AddEntry(List<StorageEntry> entries, string directory, string name, bool isDirectory, long length)
    {
        var entryPath = S3Paths.Join(directory, name);
        if (S3Paths.IsReserved(name))
        {
            return; // a probe object: hidden, like pending temporaries on the file system
        }

        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || !S3Paths.IsAddressable(entryPath))
        {
            // Safe to leave out: what no path can name, no caller can read, keep or delete by mistake.
            S3Log.UnaddressableKeySkipped(logger, bucket.KeyPrefix + entryPath, directory, bucket.Description);
            return;
        }

        entries.Add(new StorageEntry(entryPath, isDirectory, length));
    }
}
