using System.Runtime.InteropServices;

namespace Bulwark.Storage;

/// <summary>
/// The three system calls a directory fsync makes, each returning its result and the error number it left. Tests
/// substitute calls that are interrupted or fail, which no real file system does on demand.
/// </summary>
internal interface IDirectoryCalls
{
    /// <returns>A descriptor, or a negative number with <paramref name="errno"/> set.</returns>
    int Open(string path, int flags, out int errno);

    /// <returns>0, or a negative number with <paramref name="errno"/> set.</returns>
    int Fsync(int fd, out int errno);

    void Close(int fd);
}

/// <summary>The calls of the C library.</summary>
internal sealed partial class LibcDirectoryCalls : IDirectoryCalls
{
    public static readonly LibcDirectoryCalls Instance = new();

    private LibcDirectoryCalls()
    {
    }

    public int Open(string path, int flags, out int errno)
    {
        var fd = OpenCall(path, flags);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    public int Fsync(int fd, out int errno)
    {
        var result = FsyncCall(fd);
        errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
        return result;
    }

    public void Close(int fd) => _ = CloseCall(fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenCall(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncCall(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseCall(int fd);
}
