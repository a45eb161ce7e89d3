using Bulwark.Storage;
using Xunit;

namespace Bulwark.Runtime.Tests.Storage;

/// <summary>
/// The local backend's refusals, each with its whole message: a root it cannot use, links it will not follow, and a
/// store lock whose owner record is missing, hostile or cannot be written. The link tests need a Unix file system.
/// </summary>
public sealed class LocalFileSystemRefusalTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void ARootBelowAFileIsRefusedNamingTheFile()
    {
        File.WriteAllBytes(temp.Join("file"), [1]);
        var root = temp.Join("file", "store", "root");

        var error = Assert.Throws<StorageException>(() => new LocalFileSystemBackend(root));

        Assert.Equal($"Cannot use '{root}' as a storage root: '{temp.Join("file")}' is a file.", error.Message);
        Assert.Equal([1], File.ReadAllBytes(temp.Join("file")));
    }

    [Fact]
    public void ARootThatCannotBeCreatedIsRefusedWithTheReason()
    {
        // No file system here holds a 300-byte name: mkdir fails with ENAMETOOLONG, even for root.
        var root = temp.Join(new string('r', 300));

        var error = Assert.Throws<StorageException>(() => new LocalFileSystemBackend(root));

        Assert.StartsWith($"Cannot create the storage root '{root}': ", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<IOException>(error.InnerException);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
    }

    [Fact]
    public async Task AChainOfFortyLinksIsFollowedAndOfFortyOneRefused()
    {
        var backend = new LocalFileSystemBackend(temp.Join("root"));
        await WriteAsync(backend, "target", [3]);
        Chain("short", 40);
        Chain("long", 41);

        Assert.Equal([3], await backend.ReadAllBytesAsync("short0"));
        var error = await Assert.ThrowsAsync<StoragePathException>(async () => await backend.ReadAllBytesAsync("long0"));
        Assert.Equal("Storage path 'long0' is refused: it passes through more than 40 symbolic links.", error.Message);

        void Chain(string prefix, int links)
        {
            for (var i = 0; i < links; i++)
            {
                File.CreateSymbolicLink(temp.Join("root", $"{prefix}{i}"), i == links - 1 ? "target" : $"{prefix}{i + 1}");
            }
        }
    }

    [Fact]
    public async Task ALinkOutOfTheRootIsRefusedWithTheReason()
    {
        var backend = new LocalFileSystemBackend(temp.Join("root"));
        File.WriteAllBytes(temp.Join("secret"), [6]);
        File.CreateSymbolicLink(temp.Join("root", "out"), temp.Join("secret"));

        var error = await Assert.ThrowsAsync<StoragePathException>(async () => await backend.ReadAllBytesAsync("out"));

        Assert.Equal("Storage path 'out' is refused: it passes through a symbolic link that leads outside the storage root.", error.Message);
        Assert.Equal("out", error.Path);
    }

    [Fact]
    public async Task ALinkTargetOfDotSegmentsIsResolvedAsTheKernelResolvesIt()
    {
        var backend = new LocalFileSystemBackend(temp.Join("root"));
        Directory.CreateDirectory(temp.Join("outside"));
        File.WriteAllBytes(temp.Join("outside", "secret"), [6]);
        await WriteAsync(backend, "real/file", [5]);

        // "." is where the link is: "./../outside" leaves the root, although a path ending in "/." would seem to stay in it.
        Directory.CreateSymbolicLink(temp.Join("root", "climb"), "./../outside");
        Directory.CreateSymbolicLink(temp.Join("root", "here"), "./real/.");

        await Assert.ThrowsAsync<StoragePathException>(async () => await backend.ReadAllBytesAsync("climb/secret"));
        await Assert.ThrowsAsync<StoragePathException>(async () => await backend.DeleteAsync("climb/secret"));
        Assert.Equal([5], await backend.ReadAllBytesAsync("here/file"));
        Assert.Equal([6], File.ReadAllBytes(temp.Join("outside", "secret")));
    }

    [Fact]
    public async Task ANameTooLongForTheFileSystemFailsAsAStorageError()
    {
        // 300 bytes is a valid storage path but no Linux file name (NAME_MAX is 255): every call reports it as the
        // backend's own error naming it, never as a raw PathTooLongException from a path check on the way; nothing of
        // that name exists, so a deletion finds nothing.
        var backend = new LocalFileSystemBackend(temp.Join("root"));
        var name = new string('n', 300);

        var commit = await Assert.ThrowsAsync<StorageException>(async () =>
        {
            await using var file = await backend.CreateAsync(name);
            file.Write([1]);
            await file.CommitAsync();
        });
        var read = await Assert.ThrowsAsync<StorageException>(async () => await backend.ReadAllBytesAsync(name));

        Assert.StartsWith($"Cannot rename into place '{name}' in {backend.Description}: ", commit.Message, StringComparison.Ordinal);
        Assert.StartsWith($"Cannot open '{name}' in {backend.Description}: ", read.Message, StringComparison.Ordinal);
        Assert.False(await backend.DeleteAsync(name));
        Assert.Empty(await backend.ListAsync(""));
    }

    [Fact]
    public async Task AnOwnerRecordOfTheLargestReadableSizeNamesTheHolder()
    {
        var backend = new LocalFileSystemBackend(temp.Join("root"));
        var owner = new StorageLockOwner(4242, "host-a", DateTimeOffset.UnixEpoch, "the test");
        await using var held = await backend.AcquireLockAsync("store.lock", owner);

        // JSON padded with spaces to exactly the 4096 bytes a record may hold.
        var json = File.ReadAllBytes(temp.Join("root", "store.lock.owner"));
        var padded = json.Concat(Enumerable.Repeat((byte)' ', 4096 - json.Length)).ToArray();
        File.WriteAllBytes(temp.Join("root", "store.lock.owner"), padded);

        var refused = await Assert.ThrowsAsync<StorageLockedException>(async () => await backend.AcquireLockAsync("store.lock", owner with { Purpose = "another" }));
        Assert.Equal(owner, refused.Holder);
    }

    [Fact]
    public async Task AHugeOrMissingOwnerRecordLeavesTheHolderUnknown()
    {
        var backend = new LocalFileSystemBackend(temp.Join("root"));
        var owner = new StorageLockOwner(4242, "host-a", DateTimeOffset.UnixEpoch, "the test");
        await using var held = await backend.AcquireLockAsync("store.lock", owner);
        var record = temp.Join("root", "store.lock.owner");

        // A sparse 3 GiB record: read whole, it would need an array no process may allocate.
        using (var stream = new FileStream(record, FileMode.Truncate, FileAccess.Write))
        {
            stream.SetLength(3L << 30);
        }

        var huge = await Assert.ThrowsAsync<StorageLockedException>(async () => await backend.AcquireLockAsync("store.lock", owner));
        Assert.Null(huge.Holder);

        File.Delete(record);
        var missing = await Assert.ThrowsAsync<StorageLockedException>(async () => await backend.AcquireLockAsync("store.lock", owner));
        Assert.Null(missing.Holder);
    }

    [Fact]
    public async Task AnOwnerRecordThatCannotBeWrittenFailsTheAcquisitionAndReleasesTheLock()
    {
        var backend = new LocalFileSystemBackend(temp.Join("root"));
        var owner = StorageLockOwner.Current("the test");
        Directory.CreateDirectory(temp.Join("root", "store.lock.owner"));

        var error = await Assert.ThrowsAsync<StorageException>(async () => await backend.AcquireLockAsync("store.lock", owner));

        Assert.StartsWith($"Could not record the owner of lock 'store.lock' in {backend.Description}: ", error.Message, StringComparison.Ordinal);
        Directory.Delete(temp.Join("root", "store.lock.owner"));
        await using var held = await backend.AcquireLockAsync("store.lock", owner);
        Assert.Equal(owner, held.Owner);
    }

    private static async Task WriteAsync(IStorageBackend backend, string path, byte[] bytes)
    {
        await using var file = await backend.CreateAsync(path);
        await file.WriteAsync(bytes);
        await file.CommitAsync();
    }
}
