using System.Runtime.InteropServices;

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
    private const int EINTR = 4;

    // EEXIST is 17 on Linux, macOS and the BSDs alike.
    private const int EEXIST = 17;

    /// <summary>Publishes <paramref name="temporary"/> as <paramref name="final"/> through <paramref name="calls"/>.</summary>
    /// <returns>False, with nothing changed, when <paramref name="final"/> already exists.</returns>
    /// <exception cref="IOException">The link failed for another reason.</exception>
    public static bool TryLink(ISystemCalls calls, string temporary, string final, out string? temporaryLeftBehind)
    {
        temporaryLeftBehind = null;
        int result;
        int errno;
        do
        {
            result = calls.Link(temporary, final, out errno);
        }
        while (result < 0 && errno == EINTR);

        if (result < 0)
        {
            return errno == EEXIST
                ? false
                : throw new IOException($"link failed with errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)}).");
        }

        do
        {
            result = calls.Unlink(temporary, out errno);
        }
        while (result < 0 && errno == EINTR);

        // The file is published either way; a temporary name that could not be removed stays hidden from listings and
        // is what DeleteAbandonedTemporariesAsync collects.
        if (result < 0)
        {
            temporaryLeftBehind = temporary;
        }

        return true;
    }
}
