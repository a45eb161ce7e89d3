using System.Runtime.InteropServices;

namespace Bulwark.Storage;

/// <summary>
/// fsync of a directory. .NET flushes files (<see cref="FileStream.Flush(bool)"/>) but has no API for directories, yet
/// on POSIX file systems a new, renamed or deleted directory entry survives a crash only once its directory has been
/// fsynced. So the directory is opened read-only through libc and fsynced by descriptor.
/// </summary>
internal static class DirectorySync
{
    private static readonly int OpenFlags = ComputeOpenFlags();

    /// <summary>False where no directory fsync is needed (Windows) or none is implemented (an unknown Unix).</summary>
    public static bool IsRequired => !OperatingSystem.IsWindows();

    /// <summary>True when <see cref="Sync(string, string, string)"/> performs a real fsync on this platform.</summary>
    public static bool IsImplemented => OpenFlags >= 0;

    /// <summary>
    /// Makes the entries of <paramref name="fullPath"/> durable. A no-op on Windows: NTFS journals metadata, so a
    /// completed rename or creation is already recoverable, and Windows cannot open a directory for flushing anyway.
    /// </summary>
    /// <returns>True if an fsync was performed.</returns>
    public static bool Sync(string fullPath, string displayPath, string description) =>
        Sync(LibcSystemCalls.Instance, fullPath, displayPath, description);

    /// <summary>As <see cref="Sync(string, string, string)"/>, through <paramref name="calls"/>.</summary>
    /// <param name="calls">The system calls to make: the C library's, or a test's.</param>
    /// <param name="fullPath">The directory to sync.</param>
    /// <param name="displayPath">How messages name the directory.</param>
    /// <param name="description">How messages name the store.</param>
    public static bool Sync(ISystemCalls calls, string fullPath, string displayPath, string description)
    {
        if (!IsRequired)
        {
            return false;
        }

        if (!IsImplemented)
        {
            throw new StorageException($"Cannot sync directory {displayPath} in {description}: directory fsync is not implemented for {RuntimeInformation.OSDescription}.");
        }

        var fd = calls.OpenUninterrupted(fullPath, OpenFlags, out var errno);
        if (fd < 0)
        {
            throw Failure("open", errno, displayPath, description);
        }

        try
        {
            // Never retried otherwise: after a failed fsync the kernel may have dropped what it could not write, so a
            // retry that succeeds would not make the entries durable; the caller must learn of the failure.
            if (calls.FsyncUninterrupted(fd, out errno) < 0)
            {
                throw Failure("fsync", errno, displayPath, description);
            }
        }
        finally
        {
            // Never retried (see InterruptedCalls). A close error on a read-only descriptor cannot undo the fsync that
            // already succeeded.
            calls.Close(fd);
        }

        return true;
    }

    private static StorageException Failure(string call, int errno, string displayPath, string description) =>
        new($"Cannot sync directory {displayPath} in {description}: {call} failed with {InterruptedCalls.Describe(errno)}.");

    // O_DIRECTORY differs between Linux architectures and between Unix kernels; O_RDONLY is 0 everywhere.
    private static int ComputeOpenFlags()
    {
        if (OperatingSystem.IsLinux())
        {
            const int oCloexec = 0x80000;
            var oDirectory = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.Arm or Architecture.Arm64 or Architecture.Armv6 or Architecture.Ppc64le => 0x4000,
                _ => 0x10000,
            };
            return oDirectory | oCloexec;
        }

        if (OperatingSystem.IsMacOS() || OperatingSystem.IsMacCatalyst())
        {
            return 0x100000 | 0x1000000;
        }

        if (OperatingSystem.IsFreeBSD())
        {
            return 0x20000 | 0x100000;
        }

        return -1;
    }
}
