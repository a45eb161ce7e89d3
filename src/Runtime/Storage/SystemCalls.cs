using System.Runtime.InteropServices;

namespace Bulwark.Storage;

/// <summary>
/// The system calls behind a directory fsync and a no-replace publication (link, then unlink of the temporary), each returning its result and the error
/// number it left. Tests substitute calls that are interrupted or fail, which no real file system does on demand.
/// </summary>
internal interface ISystemCalls
{
    /// <returns>A descriptor, or a negative number with <paramref name="errno"/> set.</returns>
    int Open(string path, int flags, out int errno);

    /// <returns>0, or a negative number with <paramref name="errno"/> set.</returns>
    int Fsync(int fd, out int errno);

    void Close(int fd);

    /// <summary>link(2): <paramref name="newPath"/> becomes a second name of <paramref name="existingPath"/>, never replacing a file.</summary>
    /// <returns>0, or a negative number with <paramref name="errno"/> set (EEXIST when the name is taken).</returns>
    int Link(string existingPath, string newPath, out int errno);

    /// <summary>unlink(2): removes the name <paramref name="path"/>.</summary>
    /// <returns>0, or a negative number with <paramref name="errno"/> set.</returns>
    int Unlink(string path, out int errno);
}

/// <summary>
/// The calls made again while a signal interrupts them before they take effect (EINTR, the one error that says nothing
/// happened), and the error numbers callers decide on, which are the same on Linux, macOS and the BSDs. Close is not
/// among them: Linux releases the descriptor even when close reports EINTR, so a retry could close one another thread
/// has just received.
/// </summary>
internal static class InterruptedCalls
{
    public const int EINTR = 4;
    public const int EEXIST = 17;

    public static int OpenUninterrupted(this ISystemCalls calls, string path, int flags, out int errno) =>
        Uninterrupted(calls, (path, flags), static (c, a) => (c.Open(a.path, a.flags, out var e), e), out errno);

    public static int FsyncUninterrupted(this ISystemCalls calls, int fd, out int errno) =>
        Uninterrupted(calls, fd, static (c, fd) => (c.Fsync(fd, out var e), e), out errno);

    public static int LinkUninterrupted(this ISystemCalls calls, string existingPath, string newPath, out int errno) =>
        Uninterrupted(calls, (existingPath, newPath), static (c, a) => (c.Link(a.existingPath, a.newPath, out var e), e), out errno);

    public static int UnlinkUninterrupted(this ISystemCalls calls, string path, out int errno) =>
        Uninterrupted(calls, path, static (c, path) => (c.Unlink(path, out var e), e), out errno);

    // The arguments travel as state so that the static lambdas capture nothing: no allocation per call.
    private static int Uninterrupted<TArguments>(ISystemCalls calls, TArguments arguments, Func<ISystemCalls, TArguments, (int Result, int Errno)> call, out int errno)
    {
        while (true)
        {
            (var result, errno) = call(calls, arguments);
            if (result >= 0 || errno != EINTR)
            {
                return result;
            }
        }
    }

    /// <summary>How messages name a failed call's error: its number and the C library's text for it.</summary>
    public static string Describe(int errno) => $"errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})";
}

/// <summary>The calls of the C library.</summary>
internal sealed partial class LibcSystemCalls : ISystemCalls
{
    public static readonly LibcSystemCalls Instance = new();

    private LibcSystemCalls()
    {
    }

    public int Open(string path, int flags, out int errno) => WithErrno(OpenCall(path, flags), out errno);

    public int Fsync(int fd, out int errno) => WithErrno(FsyncCall(fd), out errno);

    public void Close(int fd) => _ = CloseCall(fd);

    public int Link(string existingPath, string newPath, out int errno) => WithErrno(LinkCall(existingPath, newPath), out errno);

    public int Unlink(string path, out int errno) => WithErrno(UnlinkCall(path), out errno);

    // Read at once: the next interop call may overwrite the saved error.
    private static int WithErrno(int result, out int errno)
    {
        errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
        return result;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenCall(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncCall(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseCall(int fd);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkCall(string existingPath, string newPath);

    [LibraryImport("libc", EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnlinkCall(string path);
}
