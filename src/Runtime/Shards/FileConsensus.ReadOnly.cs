using System.Text;

namespace Bulwark.Shards;

/// <summary>Reading a store without changing it: for tools that inspect or verify one (`bulwark shard inspect`, `bulwark verify`).</summary>
public sealed partial class FileConsensus
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// True for an instance from <see cref="OpenReadOnly"/>: it refuses compare-and-set and truncation, and reading
    /// through it creates, locks and removes nothing.
    /// </summary>
    public bool IsReadOnly { get; }

    /// <summary>
    /// Opens an existing store for reading only. Unlike the constructor it creates no directory and does not clean
    /// up after crashed writers (temporaries, entries below an interrupted truncation), so an inspection leaves the
    /// store exactly as it found it; reads still see only published entries, as they always do.
    /// </summary>
    /// <param name="rootDirectory">The store's directory; it must exist.</param>
    /// <exception cref="ConsensusException">The directory does not exist.</exception>
    public static FileConsensus OpenReadOnly(string rootDirectory) =>
        new(rootDirectory, logger: null, meterFactory: null, readOnly: true, files: null, calls: null);

    /// <summary>
    /// The keys that have a directory in the store, in ordinal order. A key directory is named by the key's UTF-8
    /// bytes in hex; directories that are not such a name are not keys and are skipped.
    /// </summary>
    /// <exception cref="ConsensusException">The store cannot be listed.</exception>
    public IReadOnlyList<string> ListKeys() => Guard(() =>
    {
        var keys = new List<string>();
        foreach (var directory in Files.EnumerateDirectories(RootPath))
        {
            var name = Path.GetFileName(directory);
            if (!IsKeyDirectoryName(name))
            {
                continue;
            }

            try
            {
                keys.Add(StrictUtf8.GetString(Convert.FromHexString(name)));
            }
            catch (DecoderFallbackException)
            {
                // Not the hex of a UTF-8 key, so no instance ever wrote it.
            }
        }

        keys.Sort(StringComparer.Ordinal);
        return (IReadOnlyList<string>)keys;
    });

    private void ThrowIfReadOnly(string operation)
    {
        if (IsReadOnly)
        {
            throw new InvalidOperationException($"Cannot {operation}: {Description} was opened read-only.");
        }
    }
}
