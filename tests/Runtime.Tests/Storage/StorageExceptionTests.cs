using System.Text;
using Bulwark.Storage;
using Xunit;

namespace Bulwark.Runtime.Tests.Storage;

/// <summary>
/// The storage exceptions as a caller reads them, and the lock owner record's decoder, whose 4,096-byte bound is its own
/// guard even though the local lock reads no more than that before it decodes.
/// </summary>
public sealed class StorageExceptionTests
{
    private static readonly StorageLockOwner Owner = new(4242, "host-a", DateTimeOffset.UnixEpoch, "the test");

    [Fact]
    public void AFileThatExistsKeepsWhatTheServerAnswered()
    {
        var answer = new IOException("412 Precondition Failed");

        var error = new StorageFileExistsException("d/file", "the store", answer);

        Assert.Equal("File 'd/file' already exists in the store; a file created as new does not replace it, so nothing was published.", error.Message);
        Assert.Equal("d/file", error.Path);
        Assert.Equal("the store", error.Backend);
        Assert.Same(answer, error.InnerException);
    }

    [Fact]
    public void ALockHeldByAnUnknownHolderSaysSoAndInventsNoCause()
    {
        var error = new StorageLockedException("locks/writer", "the store", holder: null);

        Assert.Equal("The lock 'locks/writer' of the store is held by another process (its owner record could not be read).", error.Message);
        Assert.Equal("locks/writer", error.Path);
        Assert.Null(error.Holder);
        Assert.Null(error.InnerException);
    }

    [Fact]
    public void ALockHeldByAKnownHolderNamesIt()
    {
        var cause = new IOException("EWOULDBLOCK");

        var error = new StorageLockedException("locks/writer", "the store", Owner, cause);

        Assert.Equal("The lock 'locks/writer' of the store is held by the test in process 4242 on host 'host-a' (since 1970-01-01 00:00:00Z).", error.Message);
        Assert.Same(Owner, error.Holder);
        Assert.Same(cause, error.InnerException);
    }

    [Fact]
    public void AnOwnerIsStampedByTheGivenClock()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 23, 0, 0, TimeSpan.Zero));

        var owner = StorageLockOwner.Current("the test", clock);

        Assert.Equal(clock.GetUtcNow(), owner.AcquiredAt);
        Assert.Equal(Environment.ProcessId, owner.ProcessId);
        Assert.Equal("the test", owner.Purpose);
    }

    [Fact]
    public void AnOwnerRecordDecodesUpTo4096BytesAndNoFurther()
    {
        var record = Owner.Encode();
        Assert.Equal(Owner, StorageLockOwner.TryDecode(record));

        // Trailing white space is valid JSON: only the length decides between the two.
        Assert.Equal(Owner, StorageLockOwner.TryDecode(Padded(record, 4096)));
        Assert.Null(StorageLockOwner.TryDecode(Padded(record, 4097)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[1, 2]")]
    [InlineData("{\"processId\": \"not a number\"}")]
    public void AnUnreadableOwnerRecordDecodesToNoOwner(string text)
    {
        Assert.Null(StorageLockOwner.TryDecode(Encoding.UTF8.GetBytes(text)));
    }

    private static byte[] Padded(byte[] record, int length)
    {
        var padded = new byte[length];
        padded.AsSpan().Fill((byte)' ');
        record.CopyTo(padded, 0);
        return padded;
    }
}
