using Bulwark.Storage;
using Xunit;
using static Bulwark.Runtime.Tests.Storage.SystemCallErrors;

namespace Bulwark.Runtime.Tests.Storage;

/// <summary>
/// The retry of interrupted calls decides on the result, never on errno alone: errno is meaningful only after a
/// failure, and a call that succeeded may leave an old value in it.
/// </summary>
public sealed class InterruptedCallsTests
{
    [Fact]
    public void EachCallIsMadeAgainAfterEINTRAndNotAfterASuccessWithAStaleErrno()
    {
        var calls = new AnsweringCalls((-1, EINTR), (0, EINTR));

        Assert.Equal(0, calls.OpenUninterrupted("/d", 0, out var openErrno));
        Assert.Equal(0, calls.FsyncUninterrupted(0, out var fsyncErrno));
        Assert.Equal(0, calls.LinkUninterrupted("/a", "/b", out var linkErrno));
        Assert.Equal(0, calls.UnlinkUninterrupted("/a", out var unlinkErrno));

        // Two calls each: the interrupted one and the success, whose stale errno did not send it round again.
        Assert.Equal(["open", "open", "fsync", "fsync", "link", "link", "unlink", "unlink"], calls.Made);
        Assert.All(new[] { openErrno, fsyncErrno, linkErrno, unlinkErrno }, errno => Assert.Equal(EINTR, errno));
    }

    [Fact]
    public void AnotherFailureIsReturnedAtOnceWithItsErrno()
    {
        var calls = new AnsweringCalls((-1, EIO));

        Assert.Equal(-1, calls.LinkUninterrupted("/a", "/b", out var errno));

        Assert.Equal(EIO, errno);
        Assert.Equal(["link"], calls.Made);
        Assert.Equal($"errno 5 ({IoError})", InterruptedCalls.Describe(EIO));
    }

    /// <summary>Answers every kind of call with the same script, from its start for each kind.</summary>
    private sealed class AnsweringCalls(params (int Result, int Errno)[] script) : ISystemCalls
    {
        private readonly Dictionary<string, int> next = [];

        public List<string> Made { get; } = [];

        public int Open(string path, int flags, out int errno) => Answer("open", out errno);

        public int Fsync(int fd, out int errno) => Answer("fsync", out errno);

        public void Close(int fd) => Made.Add("close");

        public int Link(string existingPath, string newPath, out int errno) => Answer("link", out errno);

        public int Unlink(string path, out int errno) => Answer("unlink", out errno);

        private int Answer(string call, out int errno)
        {
            Made.Add(call);
            var index = next.GetValueOrDefault(call);
            next[call] = index + 1;
            Assert.True(index < script.Length, $"{call} was made {index + 1} times; the script has {script.Length} answers");
            (var result, errno) = script[index];
            return result;
        }
    }
}
