using System.Text;
using Bulwark.Storage;
using Xunit;

namespace Bulwark.Runtime.Tests.Storage;

/// <summary>What the next link(2) does instead of its real work.</summary>
internal sealed record LinkFault(int Errno, bool TakesEffect, string? TakenBy)
{
    /// <summary>Nothing is linked; the call reports <paramref name="errno"/>.</summary>
    public static LinkFault Fails(int errno) => new(errno, false, null);

    /// <summary>The link is made, and the call still reports <paramref name="errno"/> (an EIO after the fact).</summary>
    public static LinkFault TakesEffectThenFails(int errno) => new(errno, true, null);

    /// <summary>Another writer, one that ignores the locks, takes the name first: EEXIST.</summary>
    public static LinkFault Taken(string theirData) => new(SystemCallErrors.EEXIST, false, theirData);
}

internal static class SystemCallErrors
{
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EEXIST = 17;

    /// <summary>strerror(EIO) as glibc words it.</summary>
    public const string IoError = "Input/output error";
}

/// <summary>The C library's calls, except that queued faults answer the next links, unlinks and fsyncs, one each.</summary>
internal sealed class FaultingSystemCalls : ISystemCalls
{
    public Queue<LinkFault> Links { get; } = new();

    /// <summary>Error numbers the next unlinks fail with, removing nothing.</summary>
    public Queue<int> Unlinks { get; } = new();

    /// <summary>Error numbers the next fsyncs fail with.</summary>
    public Queue<int> Fsyncs { get; } = new();

    public int LinksMade { get; private set; }

    public int Open(string path, int flags, out int errno) => LibcSystemCalls.Instance.Open(path, flags, out errno);

    public int Fsync(int fd, out int errno) =>
        Fsyncs.TryDequeue(out var fault) ? Fail(fault, out errno) : LibcSystemCalls.Instance.Fsync(fd, out errno);

    public void Close(int fd) => LibcSystemCalls.Instance.Close(fd);

    public int Unlink(string path, out int errno) =>
        Unlinks.TryDequeue(out var fault) ? Fail(fault, out errno) : LibcSystemCalls.Instance.Unlink(path, out errno);

    public int Link(string existingPath, string newPath, out int errno)
    {
        LinksMade++;
        if (!Links.TryDequeue(out var fault))
        {
            return LibcSystemCalls.Instance.Link(existingPath, newPath, out errno);
        }

        if (fault.TakesEffect)
        {
            Assert.Equal(0, LibcSystemCalls.Instance.Link(existingPath, newPath, out _));
        }

        if (fault.TakenBy is { } data)
        {
            File.WriteAllBytes(newPath, Encoding.UTF8.GetBytes(data));
        }

        return Fail(fault.Errno, out errno);
    }

    private static int Fail(int fault, out int errno)
    {
        errno = fault;
        return -1;
    }
}

/// <summary>
/// Answers each call with the next scripted result: a descriptor or 0 for success, a negated error number for a
/// failure. A call past the end of its script fails the test.
/// </summary>
internal sealed class ScriptedDirectoryCalls(int[] opens, int[] fsyncs) : ISystemCalls
{
    private readonly Queue<int> opens = new(opens);
    private readonly Queue<int> fsyncs = new(fsyncs);

    public List<string> Opened { get; } = [];

    public List<int> Fsynced { get; } = [];

    public List<int> Closed { get; } = [];

    /// <summary>Runs before each fsync is answered: what another process does meanwhile.</summary>
    public Action? BeforeFsync { get; init; }

    public int Open(string path, int flags, out int errno)
    {
        Opened.Add(path);
        return Answer(opens.Dequeue(), out errno);
    }

    public int Fsync(int fd, out int errno)
    {
        Fsynced.Add(fd);
        BeforeFsync?.Invoke();
        return Answer(fsyncs.Dequeue(), out errno);
    }

    public void Close(int fd) => Closed.Add(fd);

    public int Link(string existingPath, string newPath, out int errno) =>
        throw new InvalidOperationException("A directory fsync makes no link.");

    public int Unlink(string path, out int errno) =>
        throw new InvalidOperationException("A directory fsync removes no name.");

    private static int Answer(int scripted, out int errno)
    {
        errno = scripted < 0 ? -scripted : 0;
        return scripted < 0 ? -1 : scripted;
    }
}
