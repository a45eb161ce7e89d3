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
    /// <param name="calls">The system calls to make: the C library's, or a test's.</param>
    /// <param name="temporary">The finished file's temporary name.</param>
    /// <param name="final">The name to publish it under.</param>
    /// <param name="temporaryNotRemoved">Why the temporary's name is still there after a publication, or null.</param>
    /// <returns>False, with nothing changed, when <paramref name="final"/> already exists.</returns>
    /// <exception cref="IOException">The link failed for another reason.</exception>
    public static bool TryLink(ISystemCalls calls, string temporary, string final, out IOException? temporaryNotRemoved)
    {
        temporaryNotRemoved = null;
        if (calls.LinkUninterrupted(temporary, final, out var errno) < 0)
        {
            return errno == InterruptedCalls.EEXIST
                ? false
                : throw new IOException($"link failed with {InterruptedCalls.Describe(errno)}.");
        }

        // The file is published either way; a temporary name that could not be removed stays hidden from listings and
        // is what DeleteAbandonedTemporariesAsync collects.
        if (calls.UnlinkUninterrupted(temporary, out errno) < 0)
        {
            temporaryNotRemoved = new IOException($"unlink failed with {InterruptedCalls.Describe(errno)}.");
        }

        return true;
    }
}
