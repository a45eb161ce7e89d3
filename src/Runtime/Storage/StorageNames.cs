using System.Security.Cryptography;

namespace Bulwark.Storage;

/// <summary>
/// Names and messages both backends share, so that a caller sees the same refusals and the same wording whichever
/// backend it runs on.
/// </summary>
internal static class StorageNames
{
    private const string TemporarySuffix = ".tmp";
    private const int RandomHexLength = 16;

    // Keeps ".{prefix}.{16 hex}.tmp" below the 255-byte name limit of common file systems even for 3-byte UTF-8 characters.
    private const int MaxPrefixLength = 64;

    /// <summary>A fresh temporary sibling name for <paramref name="name"/>: ".{name}.{16 hex}.tmp".</summary>
    public static string NewTemporaryName(string name)
    {
        var prefix = name;
        if (prefix.Length > MaxPrefixLength)
        {
            var cut = char.IsHighSurrogate(prefix[MaxPrefixLength - 1]) ? MaxPrefixLength - 1 : MaxPrefixLength;
            prefix = prefix[..cut];
        }

        return "." + prefix + "." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(RandomHexLength / 2)) + TemporarySuffix;
    }

    /// <summary>True for a name <see cref="NewTemporaryName"/> could have produced.</summary>
    public static bool IsTemporary(string name)
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

    /// <summary>
    /// The name a temporary was made for (cut at 64 characters, as <see cref="NewTemporaryName"/> cuts it), or false
    /// when <paramref name="name"/> is no temporary.
    /// </summary>
    public static bool TryGetTemporaryTarget(string name, out string target)
    {
        target = string.Empty;
        if (!IsTemporary(name))
        {
            return false;
        }

        target = name[1..(name.Length - TemporarySuffix.Length - RandomHexLength - 1)];
        return true;
    }

    /// <summary>
    /// Normalizes <paramref name="path"/> and refuses segments named like pending temporaries: they are hidden from
    /// listings, so a file or directory with such a name would exist but never be listed.
    /// </summary>
    public static string Normalize(string path)
    {
        var normalized = StoragePath.Normalize(path);
        foreach (var segment in normalized.Split('/'))
        {
            if (IsTemporary(segment))
            {
                throw new StoragePathException(path, $"'{segment}' has the form reserved for pending temporaries");
            }
        }

        return normalized;
    }

    /// <summary>Normalizes a path that must name a file or a directory below the root, not the root itself.</summary>
    public static string NormalizeBelowRoot(string path)
    {
        var normalized = Normalize(path);
        if (normalized.Length == 0)
        {
            throw new StoragePathException(path, "it names the storage root itself");
        }

        return normalized;
    }

    public static string Display(string normalizedPath) => normalizedPath.Length == 0 ? "the root directory" : $"'{normalizedPath}'";

    public static FileNotFoundException FileNotFound(string path, string description) =>
        new($"File '{path}' does not exist in {description}.", path);

    public static DirectoryNotFoundException DirectoryNotFound(string path, string description) =>
        new($"Directory {Display(path)} does not exist in {description}.");

    public static StorageException IsDirectory(string path, string description) =>
        new($"'{path}' in {description} is a directory, not a file.");

    public static StorageException IsFile(string path, string description) =>
        new($"'{path}' in {description} is a file, not a directory.");

    public static StorageException TooLong(string path, string description, long length, long maxBytes) =>
        new($"File '{path}' in {description} is {length} bytes long, more than the {maxBytes} bytes allowed; it was not read.");
}
