using System.Net;
using System.Net.Sockets;

namespace Bulwark.Storage.S3.Tests;

/// <summary>What needs no server: options, path rules, the local buffer, and a server that is down.</summary>
public sealed class OfflineTests
{
    public static TheoryData<string> Names => new()
    {
        "plain",
        "a/b/c",
        ".hidden",
        "a.tmp",
        ".name.0123456789abcdef.tmp",
        "dir/.name.0123456789abcdef.tmp/x",
        ".name.0123456789ABCDEF.tmp",
        ".name.0123456789abcde.tmp",
        "..0123456789abcdef.tmp",
        ".x.0123456789abcdefg.tmp",
        ".bulwark-conditional-write-probe.00112233445566ff.tmp",
        "../x",
        "a//b",
        "/abs",
        "C:x",
        "a\\b",
        "a/./b",
        "tail/",
        "",
    };

    [Theory]
    [MemberData(nameof(Names))]
    public async Task PathsAreRefusedExactlyAsTheRuntimeBackendsRefuseThem(string path)
    {
        var runtime = new InMemoryBackend();
        var refusedByRuntime = false;
        try
        {
            await runtime.GetEntryAsync(path);
        }
        catch (StoragePathException)
        {
            refusedByRuntime = true;
        }

        var refusedHere = false;
        try
        {
            S3Paths.Normalize(path);
        }
        catch (StoragePathException)
        {
            refusedHere = true;
        }

        Assert.Equal(refusedByRuntime, refusedHere);
        if (!refusedHere)
        {
            Assert.Equal(StoragePath.Normalize(path), S3Paths.Normalize(path));
        }
    }

    [Fact]
    public void ReservedNamesAreNeverAddressable()
    {
        var name = S3Paths.NewReservedName("bulwark-conditional-write-probe");
        Assert.True(S3Paths.IsReserved(name));
        Assert.Throws<StoragePathException>(() => S3Paths.Normalize(name));
        Assert.False(S3Paths.IsAddressable(name));
    }

    [Fact]
    public void OptionsAreChecked()
    {
        Assert.Throws<ArgumentException>(() => new S3StorageBackend(new S3StorageOptions { ServiceUrl = "http://127.0.0.1:1" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new S3StorageBackend(new S3StorageOptions { Bucket = "b", ServiceUrl = "http://127.0.0.1:1", MultipartPartSize = 1024 * 1024 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new S3StorageBackend(new S3StorageOptions { Bucket = "b", ServiceUrl = "http://127.0.0.1:1", MultipartConcurrency = 0 }));
        Assert.Throws<StoragePathException>(() => new S3StorageBackend(new S3StorageOptions { Bucket = "b", Prefix = "../x", ServiceUrl = "http://127.0.0.1:1" }));
        Assert.Throws<StoragePathException>(() => new S3StorageBackend(new S3StorageOptions { Bucket = "b", Prefix = "a/../../x", ServiceUrl = "http://127.0.0.1:1" }));

        using var backend = new S3StorageBackend(new S3StorageOptions { Bucket = "b", Prefix = "p\\q/", ServiceUrl = "http://127.0.0.1:1", Credentials = S3ServerFixture.Credentials });
        Assert.Equal("p/q", backend.Prefix);
        Assert.Equal("S3 bucket 'b' under prefix 'p/q/' at http://127.0.0.1:1/", backend.Description);
    }

    [Fact]
    public async Task ThePendingBufferMovesToADeletedOnCloseFileAndReadsBackRanges()
    {
        var directory = Path.Join(Path.GetTempPath(), "bulwark-s3-buffer-tests", Guid.NewGuid().ToString("N"));
        var bytes = new byte[10_000];
        new Random(3).NextBytes(bytes);
        var buffer = new PendingBuffer("p", memoryLimit: 4096, directory);
        buffer.Write(bytes.AsSpan(0, 4000));
        Assert.False(buffer.IsOnDisk);
        await buffer.WriteAsync(bytes.AsMemory(4000));
        Assert.True(buffer.IsOnDisk);
        Assert.Single(Directory.GetFiles(directory));
        Assert.Equal(bytes.Length, buffer.Length);

        buffer.Seal();
        Assert.Throws<InvalidOperationException>(() => buffer.Write([1]));
        var slice = new BufferSliceStream(buffer, 3000, 5000);
        var copy = new MemoryStream();
        await slice.CopyToAsync(copy);
        Assert.Equal(bytes.AsSpan(3000, 5000).ToArray(), copy.ToArray());
        slice.Position = 4990;
        Assert.Equal(10, slice.Read(new byte[100], 0, 100));

        buffer.Abandon();
        Assert.Empty(Directory.GetFiles(directory));
        Assert.Equal(bytes.Length, buffer.Length);
        var error = Assert.Throws<InvalidOperationException>(() => buffer.Write([1]));
        Assert.Contains("disposed without a commit", error.Message, StringComparison.Ordinal);
        Directory.Delete(directory);
    }

    [Fact]
    public async Task AServerThatIsDownIsAStorageExceptionNamingTheBucketAndThePath()
    {
        // A port that was free a moment ago: nothing listens there, so every connection is refused at once.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var backend = new S3StorageBackend(new S3StorageOptions
        {
            Bucket = "down-bucket",
            Prefix = "store",
            ServiceUrl = $"http://127.0.0.1:{port}",
            Credentials = S3ServerFixture.Credentials,
            MaxErrorRetry = 0,
        });

        var failures = new (string Path, Func<Task> Operation)[]
        {
            ("'dir/file'", async () => await backend.GetEntryAsync("dir/file")),
            ("'dir/file'", async () => await backend.ReadAllBytesAsync("dir/file")),
            ("'dir/file'", async () => await backend.OpenReadAsync("dir/file")),
            ("'dir/file'", async () => await backend.DeleteAsync("dir/file")),
            ("'dir'", async () => await backend.DeleteDirectoryAsync("dir")),
            ("the root directory", async () => await backend.ListAsync("")),
            ("'dir'", async () => await backend.SyncDirectoryAsync("dir")),
            ("'dir'", async () => await backend.CreateAsync("dir/file")),
            ("'file'", async () => await backend.CreateNewAsync("file")),
            ("'dir'", async () => await backend.AcquireLockAsync("dir/lock", StorageLockOwner.Current("test"))),
        };
        foreach (var (path, operation) in failures)
        {
            var error = await Assert.ThrowsAsync<StorageException>(operation);
            Assert.Contains("S3 bucket 'down-bucket' under prefix 'store/'", error.Message, StringComparison.Ordinal);
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
            Assert.NotNull(error.InnerException);
        }
    }
}
