using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Storage;

// Path checks: lexical normalisation, then each existing segment's symbolic links resolved inside the root.
public sealed partial class LocalFileSystemBackend
{
    /// <summary>The absolute path <paramref name="path"/> resolves to, after both checks.</summary>
    internal string GetFullPath(string path) => Resolve(StorageNames.Normalize(path), path);

    private static bool IsIoFailure(Exception exception) => exception is (IOException and not StorageException) or UnauthorizedAccessException;

    private static bool IsAddressable(string entryPath)
    {
        try
        {
            return StorageNames.Normalize(entryPath) == entryPath;
        }
        catch (StoragePathException)
        {
            return false;
        }
    }

    private static bool IsUnder(string path, string root)
    {
        if (!path.StartsWith(root, PathComparison))
        {
            return false;
        }

        return path.Length == root.Length || Path.EndsInDirectorySeparator(root) || Array.IndexOf(Separators, path[root.Length]) >= 0;
    }

    /// <summary>
    /// The physical path of <paramref name="fullPath"/>: every symbolic link on the way replaced by its target, as the
    /// kernel would follow it, and ".." taken from the physical parent.
    /// </summary>
    private static string RealPath(string fullPath, string original, ref int budget)
    {
        var pathRoot = Path.GetPathRoot(fullPath);
        if (string.IsNullOrEmpty(pathRoot))
        {
            throw new StoragePathException(original, "a symbolic link on the way has a target that cannot be resolved");
        }

        return Walk(pathRoot, fullPath[pathRoot.Length..].Split(Separators, StringSplitOptions.RemoveEmptyEntries), original, ref budget);
    }

    private static string Walk(string current, string[] segments, string original, ref int budget)
    {
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var candidate = Path.Join(current, segment);
            var target = ReadLink(candidate);
            if (target is null)
            {
                current = candidate;
                if (!Path.Exists(candidate))
                {
                    // Nothing below a missing entry exists, so nothing below it can be a link either.
                    return Path.Join([current, .. segments[(i + 1)..]]);
                }

                continue;
            }

            if (--budget < 0)
            {
                throw new StoragePathException(original, $"it passes through more than {MaxSymbolicLinks} symbolic links");
            }

            var linked = Path.IsPathRooted(target) ? target : Path.Join(current, target);
            current = RealPath(linked, original, ref budget);
        }

        return current;
    }

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Not a link we could follow (a file in place of a directory, no permission): the operation itself will
            // meet the same condition and report it with the path.
            return null;
        }
    }

    private string Resolve(string normalized, string original)
    {
        var full = normalized.Length == 0 ? RootPath : Path.GetFullPath(Path.Join(RootPath, normalized));
        if (!IsUnder(full, RootPath))
        {
            throw new StoragePathException(original, "it resolves outside the storage root");
        }

        if (normalized.Length > 0)
        {
            var budget = MaxSymbolicLinks;
            var real = Walk(realRoot, normalized.Split('/'), original, ref budget);
            if (!IsUnder(real, realRoot))
            {
                throw new StoragePathException(original, "it passes through a symbolic link that leads outside the storage root");
            }
        }

        return full;
    }

    private void RequireDirectory(string normalized, string full)
    {
        if (!Directory.Exists(full))
        {
            throw File.Exists(full) ? StorageNames.IsFile(normalized, Description) : StorageNames.DirectoryNotFound(normalized, Description);
        }
    }

    private FileStream OpenRead(string normalized, string full)
    {
        if (Directory.Exists(full))
        {
            throw StorageNames.IsDirectory(normalized, Description);
        }

        try
        {
            // FileShare.Delete lets a newer version be renamed over the file (or the file be deleted) while it is read.
            return new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 16384, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            throw StorageNames.FileNotFound(normalized, Description);
        }
        catch (Exception exception) when (IsIoFailure(exception))
        {
            throw Failed("open", normalized, exception);
        }
    }
}
