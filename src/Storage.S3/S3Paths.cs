namespace Bulwark.Storage.S3;

/// <summary>
/// The path rules of the runtime's backends, for object keys: every path goes through the public
/// <see cref="StoragePath.Normalize"/> and, as in the local and in-memory backends, a segment shaped like a pending
/// temporary (".{name}.{16 lowercase hex}.tmp") is refused, so a caller meets the same refusals on every backend. The
/// shape check mirrors the runtime's internal StorageNames; a test holds the two to the same answers.
/// </summary>
internal static class S3Paths
{
    private const string TemporarySuffix = ".tmp";
    private const int RandomHexLength = 16;

    /// <summary>Normalizes <paramref name="path"/> and refuses segments shaped like pending temporaries.</summary>
    /// <exception cref="StoragePathException">The path is refused.</exception>
    public static string Normalize(string path)
    {
        var normalized = StoragePath.Normalize(path);
        foreach (var segment in normalized.Split('/'))
        {
            if (IsReserved(segment))
            {
                throw new StoragePathException(path, $"'{segment}' has the form reserved for pending temporaries");
            }
        }

        return normalized;
    }

    /// <summary>Normalizes a path that must name a file or directory below the root, not the root itself.</summary>
    public static string NormalizeBelowRoot(string path)
    {
        var normalized = Normalize(path);
        return normalized.Length == 0 ? throw new StoragePathException(path, "it names the storage root itself") : normalized;
    }

    /// <summary>True for a name of the pending-temporary form: such names are never listed and never addressable.</summary>
    public static bool IsReserved(string name)
    {
        var minimum = 1 + 1 + RandomHexLength + TemporarySuffix.Length;
        if (name.Length < minimum + 1 || name[0] != '.' || !name.EndsWith(TemporarySuffix, StringComparison.Ordinal))
        {
            return false;
        }

        var hexStart = name.Length - TemporarySuffix.Length - RandomHexLength;
        if (name[hexStart - 1] != '.')
        {
            return false;
        }

        for (var i = hexStart; i < hexStart + RandomHexLength; i++)
        {
            if (!char.IsAsciiHexDigitLower(name[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A fresh reserved name ".{stem}.{16 hex}.tmp": no caller's path can name it, no listing shows it.</summary>
    public static string NewReservedName(string stem) =>
        "." + stem + "." + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(RandomHexLength / 2)) + TemporarySuffix;

    /// <summary>True when <paramref name="entryPath"/> is exactly what normalization makes of it (so a caller can name it).</summary>
    public static bool IsAddressable(string entryPath)
    {
        try
        {
            return Normalize(entryPath) == entryPath;
        }
        catch (StoragePathException)
        {
            return false;
        }
    }

    public static string Display(string normalizedPath) => normalizedPath.Length == 0 ? "the root directory" : $"'{normalizedPath}'";

    public static string Parent(string normalizedPath) => StoragePath.GetDirectory(normalizedPath);

    public static string Join(string directory, string name) => directory.Length == 0 ? name : directory + "/" + name;
}
