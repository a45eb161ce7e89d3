namespace Bulwark.Storage;

/// <summary>
/// The one gate every backend path goes through. A normalized path is relative, '/'-separated, has no empty,
/// "." or ".." segments, no NUL or other control characters, no drive or UNC prefix and no trailing separator;
/// "" is the root itself.
/// </summary>
public static class StoragePath
{
    /// <summary>The longest path accepted, in characters.</summary>
    public const int MaxLength = 1024;

    /// <exception cref="StoragePathException">The path is absolute, escapes the root or holds forbidden characters.</exception>
    public static string Normalize(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length > MaxLength)
        {
            throw new StoragePathException(path[..64] + "...", $"it is longer than {MaxLength} characters");
        }

        if (path.Length == 0)
        {
            return string.Empty;
        }

        var unified = path.Replace('\\', '/');
        if (unified[0] == '/')
        {
            throw new StoragePathException(path, "it is absolute; backend paths are relative to the storage root");
        }

        if (unified.Length >= 2 && unified[1] == ':')
        {
            throw new StoragePathException(path, "it names a drive; backend paths are relative to the storage root");
        }

        for (var i = 0; i < unified.Length; i++)
        {
            var c = unified[i];
            if (char.IsControl(c))
            {
                throw new StoragePathException(path, "it contains a control character (NUL or another)");
            }

            // A lone surrogate has no UTF-8 form: the file system would store U+FFFD instead, so two different paths
            // would name one file and a listed name would not match the name it was created under.
            if (char.IsHighSurrogate(c) && i + 1 < unified.Length && char.IsLowSurrogate(unified[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                throw new StoragePathException(path, "it contains an unpaired UTF-16 surrogate, which no file name can hold");
            }
        }

        var segments = unified.Split('/');
        var kept = new List<string>(segments.Length);
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment.Length == 0 && i == segments.Length - 1 && i > 0)
            {
                continue; // a trailing separator names the same directory
            }

            if (segment.Length == 0)
            {
                throw new StoragePathException(path, "it contains an empty segment");
            }

            if (segment is "." or "..")
            {
                throw new StoragePathException(path, $"it contains a '{segment}' segment, which could leave the storage root");
            }

            kept.Add(segment);
        }

        return string.Join('/', kept);
    }

    /// <summary>
    /// <see cref="Normalize"/>, and also refuses a segment shaped like a pending file's temporary
    /// (".{name}.{16 lowercase hex}.tmp"): backends hide such names from listings, so an entry named so would exist but
    /// never be listed. Every <see cref="IStorageBackend"/> checks its callers' paths with this, so that a caller meets
    /// the same refusals on every backend, test doubles included.
    /// </summary>
    /// <exception cref="StoragePathException">The path is refused; the message says why.</exception>
    public static string NormalizeEntryPath(string path) => StorageNames.Normalize(path);

    /// <summary>Joins normalized segments and normalizes the result.</summary>
    public static string Combine(string directory, string name) =>
        Normalize(directory.Length == 0 ? name : directory + "/" + name);

    /// <summary>The parent directory of a normalized path ("" for a top-level entry).</summary>
    public static string GetDirectory(string normalizedPath)
    {
        var slash = normalizedPath.LastIndexOf('/');
        return slash < 0 ? string.Empty : normalizedPath[..slash];
    }
}
