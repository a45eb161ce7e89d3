using System.Collections.Concurrent;
using Bulwark.Storage;

namespace Bulwark.Runtime.Tests.Storage;

/// <summary>The C library's calls, traced as "link path", "unlink path" and "fsync path" (of whatever was opened); the next fsyncs can be made to fail.</summary>
internal sealed class RecordingSystemCalls(ConcurrentQueue<string> events) : ISystemCalls
{
    private readonly ConcurrentDictionary<int, string> opened = new();

    /// <summary>Error numbers the next fsyncs fail with, syncing nothing.</summary>
    public ConcurrentQueue<int> Fsyncs { get; } = new();

    public int Open(string path, int flags, out int errno)
    {
        var fd = LibcSystemCalls.Instance.Open(path, flags, out errno);
        if (fd >= 0)
        {
            opened[fd] = Path.TrimEndingDirectorySeparator(path);
        }

        return fd;
    }

    public int Fsync(int fd, out int errno)
    {
        if (Fsyncs.TryDequeue(out var fault))
        {
            errno = fault;
            return -1;
        }

        var result = LibcSystemCalls.Instance.Fsync(fd, out errno);
        if (result == 0)
        {
            events.Enqueue($"fsync {opened[fd]}");
        }

        return result;
    }

    public void Close(int fd)
    {
        opened.TryRemove(fd, out _);
        LibcSystemCalls.Instance.Close(fd);
    }

    public int Link(string existingPath, string newPath, out int errno)
    {
        var result = LibcSystemCalls.Instance.Link(existingPath, newPath, out errno);
        if (result == 0)
        {
            events.Enqueue($"link {newPath}");
        }

        return result;
    }

    public int Unlink(string path, out int errno)
    {
        var result = LibcSystemCalls.Instance.Unlink(path, out errno);
        if (result == 0)
        {
            events.Enqueue($"unlink {path}");
        }

        return result;
    }
}
