namespace Bulwark.Storage;

/// <summary>
/// Publishes a finished temporary under its final name only if that name is free, deciding and publishing in one atomic
/// step. <see cref="File.Move(string, string, bool)"/> with overwrite false checks and renames in two steps on Unix, so
/// two writers could both "win"; link(2) instead fails with EEXIST when the name is taken, atomically, on every POSIX
/// file system that has hard links. The temporary's own name is then unlinked: the data stays under the final name.
/// On Windows the backend uses File.Move without overwrite, which (MoveFileEx without MOVEFILE_REPLACE_EXISTING) is
/// itself the atomic no-replace rename.
/// </summary>
internal static class NoReplaceRename
{
    /// <summary>Publishes <paramref name="temporary"/> as <paramref name="final"/> through <paramref name="calls"/>.</summary>
    /// <returns>False, with nothing changed, when <paramref name="final"/> already exists.</returns>
    /// <exception cref="IOException">The link failed for another reason.</exception>
    public static bool TryLink(ISystemCalls calls, string temporary, string final, out string? temporaryLeftBehind)
    {
        temporaryLeftBehind = null;
        if (calls.LinkUninterrupted(temporary, final, out var errno) < 0)
        {
            return errno == InterruptedCalls.EEXIST
                ? false
                : throw new IOException($"link failed with {InterruptedCalls.Describe(errno)}.");
        }

        // The file is published either way; a temporary name that could not be removed stays hidden from listings and
        // is what DeleteAbandonedTemporariesAsync collects.
        if (calls.UnlinkUninterrupted(temporary, out _) < 0)
        {
            temporaryLeftBehind = temporary;
        }

        return true;
    }
}
