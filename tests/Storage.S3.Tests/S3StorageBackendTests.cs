using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;

namespace Bulwark.Storage.S3.Tests;

/// <summary>What the S3 backend adds to the storage contract, against s3rver.</summary>
[Collection(S3ServerCollection.Name)]
public sealed class S3StorageBackendTests(S3ServerFixture server)
{
    private const int MiB = 1024 * 1024;

    [S3Fact]
    public async Task AMultipartCommitReadsBackByteForByte()
    {
        using var recording = new RecordingClient(server.ServiceUrl);
        var logger = new CapturingLogger();
        using var backend = MultipartBackend(recording.Client, logger);
        var bytes = new byte[(2 * 5 * MiB) + 123_457];
        new Random(7).NextBytes(bytes);

        await using (var file = await backend.CreateAsync("big/data.bin"))
        {
            for (var offset = 0; offset < bytes.Length; offset += 100_003)
            {
                var chunk = bytes.AsMemory(offset, Math.Min(100_003, bytes.Length - offset));
                if (offset % 2 == 0)
                {
                    await file.WriteAsync(chunk);
                }
                else
                {
                    file.Write(chunk.Span);
                }
            }

            Assert.Null(await backend.GetEntryAsync("big/data.bin"));
            recording.Clear();
            await file.CommitAsync();
            Assert.Equal(bytes.Length, file.Length);
        }

        var sent = recording.Sent;
        Assert.Single(sent, r => r.Method == "POST" && r.Query.Contains("uploads", StringComparison.Ordinal) && !r.Query.Contains("uploadId", StringComparison.Ordinal));
        Assert.Equal(3, sent.Count(r => r.Method == "PUT" && r.Query.Contains("partNumber=", StringComparison.Ordinal)));
        Assert.Single(sent, r => r.Method == "POST" && r.Query.Contains("uploadId=", StringComparison.Ordinal));
        Assert.DoesNotContain(sent, r => r.Method == "PUT" && r.Query.Length == 0 && r.Path.EndsWith("/big/data.bin", StringComparison.Ordinal));
        Assert.Contains(logger.Entries, e => e.Message.Contains($"{bytes.Length} bytes, 3 parts", StringComparison.Ordinal));

        Assert.Equal(bytes, await backend.ReadAllBytesAsync("big/data.bin"));
        await using (var stream = await backend.OpenReadAsync("big/data.bin"))
        {
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            Assert.Equal(bytes, copy.ToArray());
        }

        Assert.Equal(new StorageEntry("big/data.bin", false, bytes.Length), await backend.GetEntryAsync("big/data.bin"));
        Assert.Empty(await OpenUploadsAsync(recording.Client, backend));
    }

    [S3Fact]
    public async Task DisposingWithoutACommitUploadsNothingAndLeavesNoUpload()
    {
        using var recording = new RecordingClient(server.ServiceUrl);
        var buffers = Path.Join(server.BufferDirectory, Guid.NewGuid().ToString("N"));
        using var backend = MultipartBackend(recording.Client, configure: o => o.TemporaryDirectory = buffers);

        var file = await backend.CreateAsync("big/abandoned.bin");
        recording.Clear();
        var block = new byte[MiB];
        for (var i = 0; i < 11; i++)
        {
            await file.WriteAsync(block);
        }

        Assert.Single(Directory.GetFiles(buffers)); // the bytes went to a local temporary file, not to the server
        await file.DisposeAsync();

        Assert.Empty(recording.Sent);
        Assert.Empty(Directory.GetFiles(buffers));
        Assert.Null(await backend.GetEntryAsync("big/abandoned.bin"));
        Assert.Empty(await backend.ListAsync("big"));
        Assert.Empty(await OpenUploadsAsync(recording.Client, backend));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await file.CommitAsync());
    }

    [S3Fact]
    public async Task AFailedMultipartCommitAbortsItsUploadAndCannotBeRetried()
    {
        using var recording = new RecordingClient(server.ServiceUrl);
        using var backend = MultipartBackend(recording.Client, configure: o => o.MultipartConcurrency = 1);
        await using var file = await backend.CreateAsync("big/failing.bin");
        await file.WriteAsync(new byte[11 * MiB]);
        recording.Intercept = request => request.Method == HttpMethod.Put && request.RequestUri!.Query.Contains("partNumber=2", StringComparison.Ordinal)
            ? RecordingClient.Error(HttpStatusCode.InternalServerError, "InternalError", "injected by the test")
            : null;

        var error = await Assert.ThrowsAsync<StorageException>(async () => await file.CommitAsync());

        Assert.Contains("part 2 of 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("'big/failing.bin'", error.Message, StringComparison.Ordinal);
        Assert.Contains("S3 bucket 'plain'", error.Message, StringComparison.Ordinal);
        Assert.Contains("injected by the test", error.Message, StringComparison.Ordinal);
        Assert.Contains(recording.Sent, r => r.Method == "DELETE" && r.Query.Contains("uploadId=", StringComparison.Ordinal));
        Assert.Empty(await OpenUploadsAsync(recording.Client, backend));
        Assert.False(file.IsCommitted);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await file.CommitAsync());
        Assert.Null(await backend.GetEntryAsync("big/failing.bin"));
    }

    [S3Fact]
    public async Task DisposeAbortsTheUploadThatAFailedCommitCouldNotAbort()
    {
        using var recording = new RecordingClient(server.ServiceUrl);
        var logger = new CapturingLogger();
        using var backend = MultipartBackend(recording.Client, logger, o => o.MultipartConcurrency = 1);
        var file = await backend.CreateAsync("big/stuck.bin");
        await file.WriteAsync(new byte[11 * MiB]);
        recording.Intercept = request =>
            (request.Method == HttpMethod.Put && request.RequestUri!.Query.Contains("partNumber=3", StringComparison.Ordinal)) ||
            (request.Method == HttpMethod.Delete && request.RequestUri!.Query.Contains("uploadId=", StringComparison.Ordinal))
                ? RecordingClient.Error(HttpStatusCode.ServiceUnavailable, "SlowDown", "injected by the test")
                : null;

        await Assert.ThrowsAsync<StorageException>(async () => await file.CommitAsync());
        Assert.Single(await OpenUploadsAsync(recording.Client, backend));
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("Could not abort the multipart upload", StringComparison.Ordinal));

        recording.Intercept = null;
        await file.DisposeAsync();

        Assert.Empty(await OpenUploadsAsync(recording.Client, backend));
        Assert.Null(await backend.GetEntryAsync("big/stuck.bin"));
    }

    [S3Fact]
    public async Task AbortAbandonedUploadsAbortsOnlyOldUploadsBelowThePrefix()
    {
        using var recording = new RecordingClient(server.ServiceUrl);
        using var backend = MultipartBackend(recording.Client);
        using var neighbour = MultipartBackend(recording.Client);
        var client = recording.Client;
        var mine = await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = S3ServerFixture.PlainBucket, Key = backend.Prefix + "/dead-writer.bin" });
        await client.UploadPartAsync(new UploadPartRequest { BucketName = S3ServerFixture.PlainBucket, Key = backend.Prefix + "/dead-writer.bin", UploadId = mine.UploadId, PartNumber = 1, InputStream = new MemoryStream(new byte[1000]), UseChunkEncoding = false });
        var theirs = await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = S3ServerFixture.PlainBucket, Key = neighbour.Prefix + "/other.bin" });

        // Started moments ago: not older than a day.
        Assert.Equal(0, await backend.AbortAbandonedUploadsAsync(TimeSpan.FromDays(1)));
        Assert.Single(await OpenUploadsAsync(client, backend));

        // Two hours later, it is older than an hour: aborted. The neighbour's upload, outside the prefix, is not touched.
        var later = new FixedTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromHours(2));
        Assert.Equal(1, await backend.AbortAbandonedUploadsAsync(TimeSpan.FromHours(1), later));
        Assert.Empty(await OpenUploadsAsync(client, backend));
        Assert.Equal([theirs.UploadId], (await OpenUploadsAsync(client, neighbour)).Select(u => u.UploadId));

        Assert.Equal(1, await neighbour.AbortAbandonedUploadsAsync(TimeSpan.Zero, later));
        Assert.Empty(await OpenUploadsAsync(client, neighbour));
    }

    [S3Fact]
    public async Task HostilePathsCannotEscapeThePrefix()
    {
        var logger = new CapturingLogger();
        using var outer = server.CreateBackend();
        using var inner = server.CreateBackend(logger: logger, configure: o => o.Prefix = outer.Prefix + "/inner");
        await WriteAsync(outer, "secret", [42]);
        await WriteAsync(outer, "innerX/file", [43]);

        foreach (var hostile in new[] { "../secret", "..\\secret", "/secret", "\\secret", "a/../../secret", "..", "inner/../../secret", "C:secret", "a\0b" })
        {
            await Assert.ThrowsAsync<StoragePathException>(async () => await inner.CreateAsync(hostile));
            await Assert.ThrowsAsync<StoragePathException>(async () => await inner.CreateNewAsync(hostile));
            await Assert.ThrowsAsync<StoragePathException>(async () => await inner.ReadAllBytesAsync(hostile));
            await Assert.ThrowsAsync<StoragePathException>(async () => await inner.OpenReadAsync(hostile));
            await Assert.ThrowsAsync<StoragePathException>(async () => await inner.GetEntryAsync(hostile));
            await Assert.ThrowsAsync<StoragePathException>(async () => await inner.ListAsync(hostile));
            await Assert.ThrowsAsync<StoragePathException>(async () => await inner.DeleteAsync(hostile));
            await Assert.ThrowsAsync<StoragePathException>(async () => await inner.DeleteDirectoryAsync(hostile));
            await Assert.ThrowsAsync<StoragePathException>(async () => await inner.AcquireLockAsync(hostile, StorageLockOwner.Current("test")));
        }

        // Escapes spelled the way a URL would spell them are names like any other, and stay below the prefix.
        await WriteAsync(inner, "%2e%2e/secret", [7]);
        Assert.Equal(new byte[] { 7 }, await outer.ReadAllBytesAsync("inner/%2e%2e/secret"));
        Assert.Equal(new byte[] { 42 }, await outer.ReadAllBytesAsync("secret"));

        // Deleting all of the inner store leaves the neighbour that only shares the prefix's spelling.
        await WriteAsync(inner, "d/f", [1]);
        Assert.True(await inner.DeleteDirectoryAsync("d"));
        Assert.True(await inner.DeleteDirectoryAsync("%2e%2e"));
        Assert.Equal(new byte[] { 43 }, await outer.ReadAllBytesAsync("innerX/file"));
        Assert.Equal(new byte[] { 42 }, await outer.ReadAllBytesAsync("secret"));

        // Keys below the prefix that no path can name (written by another tool) are not listed, and say so.
        foreach (var foreign in new[] { "/C:x", "/back\\slash", "/a/back\\slash" })
        {
            await outer.Client.PutObjectAsync(new PutObjectRequest { BucketName = S3ServerFixture.PlainBucket, Key = inner.Prefix + foreign, ContentBody = "x", UseChunkEncoding = false });
        }

        Assert.Equal([new StorageEntry("a", true, 0)], await inner.ListAsync(""));
        Assert.Empty(await inner.ListAsync("a"));
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("no storage path can name it", StringComparison.Ordinal));


    }

    [S3Theory]
    [InlineData(S3ServerFixture.PlainBucket)]
    [InlineData(S3ServerFixture.ConditionalBucket)]
    public async Task OfTwoCreateNewCommitsToOneKeyExactlyOneWins(string bucket)
    {
        var logger = new CapturingLogger();
        using var backend = server.CreateBackend(bucket, logger);
        for (var round = 0; round < 6; round++)
        {
            var path = $"race/{round}";
            await using var first = await backend.CreateNewAsync(path);
            first.Write([1, (byte)round]);
            await using var second = await backend.CreateNewAsync(path);
            second.Write([2, (byte)round]);

            var outcomes = await Task.WhenAll(CommitOutcomeAsync(first), CommitOutcomeAsync(second));

            Assert.Single(outcomes, outcome => outcome is null);
            var refused = Assert.IsType<StorageFileExistsException>(Assert.Single(outcomes, outcome => outcome is not null));
            Assert.Equal(path, refused.Path);
            Assert.Contains($"S3 bucket '{bucket}'", refused.Message, StringComparison.Ordinal);
            var (winner, loser) = outcomes[0] is null ? (first, second) : (second, first);
            Assert.True(winner.IsCommitted);
            Assert.False(loser.IsCommitted);
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await loser.CommitAsync());
            Assert.Equal(new byte[] { (byte)(winner == first ? 1 : 2), (byte)round }, await backend.ReadAllBytesAsync(path));
        }

        // Onto a file written by a plain commit: refused, and the file is left as it was.
        await WriteAsync(backend, "taken", [9]);
        await using (var late = await backend.CreateNewAsync("taken"))
        {
            late.Write([10]);
            var error = await Assert.ThrowsAsync<StorageFileExistsException>(async () => await late.CommitAsync());
            Assert.Equal("taken", error.Path);

            // Where the server decided (a conditional PUT), its answer is kept; where a HEAD found the key, there is none.
            if (bucket == S3ServerFixture.ConditionalBucket)
            {
                Assert.Equal(HttpStatusCode.PreconditionFailed, Assert.IsType<AmazonS3Exception>(error.InnerException).StatusCode);
            }
            else
            {
                Assert.Null(error.InnerException);
            }
        }

        Assert.Equal(new byte[] { 9 }, await backend.ReadAllBytesAsync("taken"));

        // A key nobody wrote: published.
        await using (var fresh = await backend.CreateNewAsync("fresh/file"))
        {
            fresh.Write([11]);
            await fresh.CommitAsync();
        }

        Assert.Equal(new byte[] { 11 }, await backend.ReadAllBytesAsync("fresh/file"));

        // The detection ran once, and said what it found.
        if (bucket == S3ServerFixture.PlainBucket)
        {
            var warning = Assert.Single(logger.Entries, e => e.Id.Id == 2104);
            Assert.Equal(LogLevel.Warning, warning.Level);
            Assert.Contains("a probe PUT with the header overwrote an existing object", warning.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Single(logger.Entries, e => e.Id.Id == 2105);
            Assert.DoesNotContain(logger.Entries, e => e.Id.Id == 2104);
        }

        // The probe object is gone and never listed.
        Assert.Equal(["fresh", "race", "taken"], (await backend.ListAsync("")).Select(e => e.Name));
        var keys = await backend.Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = backend.Prefix + "/" });
        Assert.DoesNotContain(keys.S3Objects ?? [], o => o.Key.Contains("probe", StringComparison.Ordinal));
    }

    [S3Theory]
    [InlineData(S3ServerFixture.PlainBucket)]
    [InlineData(S3ServerFixture.ConditionalBucket)]
    public async Task ALargeCreateNewOntoAnExistingFileFailsWithoutLeavingAnUpload(string bucket)
    {
        using var recording = new RecordingClient(server.ServiceUrl);
        using var backend = MultipartBackend(recording.Client, bucket: bucket);
        await WriteAsync(backend, "big/taken.bin", [1, 2, 3]);
        await using var file = await backend.CreateNewAsync("big/taken.bin");
        await file.WriteAsync(new byte[6 * MiB]);

        await Assert.ThrowsAsync<StorageFileExistsException>(async () => await file.CommitAsync());

        Assert.Equal(new byte[] { 1, 2, 3 }, await backend.ReadAllBytesAsync("big/taken.bin"));
        Assert.Empty(await OpenUploadsAsync(recording.Client, backend));
    }

    [S3Fact]
    public async Task S3rverItselfIgnoresIfNoneMatch()
    {
        // The evidence behind the fallback: s3rver 3.7.1 overwrites an object on a PUT with If-None-Match: *.
        using var backend = server.CreateBackend();
        var key = backend.Prefix + "/object";
        await backend.Client.PutObjectAsync(new PutObjectRequest { BucketName = S3ServerFixture.PlainBucket, Key = key, ContentBody = "first", UseChunkEncoding = false });
        await backend.Client.PutObjectAsync(new PutObjectRequest { BucketName = S3ServerFixture.PlainBucket, Key = key, ContentBody = "second", UseChunkEncoding = false, IfNoneMatch = "*" });
        Assert.Equal("second"u8.ToArray(), await backend.ReadAllBytesAsync("object"));

        // Told to trust the header anyway, the backend cannot refuse: that is why Detect is the default.
        using var trusting = server.CreateBackend(configure: o => { o.Prefix = backend.Prefix; o.ConditionalWrites = S3ConditionalWrites.Native; });
        await using var file = await trusting.CreateNewAsync("object");
        file.Write("third"u8);
        await file.CommitAsync();
        Assert.Equal("third"u8.ToArray(), await backend.ReadAllBytesAsync("object"));

        // The conditional bucket of the test server answers as Amazon S3 does.
        await backend.Client.PutObjectAsync(new PutObjectRequest { BucketName = S3ServerFixture.ConditionalBucket, Key = key, ContentBody = "first", UseChunkEncoding = false });
        var refused = await Assert.ThrowsAsync<AmazonS3Exception>(() => backend.Client.PutObjectAsync(new PutObjectRequest { BucketName = S3ServerFixture.ConditionalBucket, Key = key, ContentBody = "second", UseChunkEncoding = false, IfNoneMatch = "*" }));
        Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
    }

    [S3Fact]
    public async Task AnOversizeReadAllBytesIsRefusedBeforeDownloading()
    {
        using var recording = new RecordingClient(server.ServiceUrl);
        using var backend = new S3StorageBackend(WithClient(server.Options(), recording.Client));
        await WriteAsync(backend, "dir/big.bin", new byte[3 * MiB]);
        recording.Clear();

        var error = await Assert.ThrowsAsync<StorageException>(async () => await backend.ReadAllBytesAsync("dir/big.bin", maxBytes: 1024));

        Assert.Contains("'dir/big.bin'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{3 * MiB} bytes long, more than the 1024 bytes allowed", error.Message, StringComparison.Ordinal);
        Assert.Contains("S3 bucket 'plain'", error.Message, StringComparison.Ordinal);
        Assert.Equal(["HEAD"], recording.Sent.Select(r => r.Method));

        recording.Clear();
        Assert.Equal(3 * MiB, (await backend.ReadAllBytesAsync("dir/big.bin", maxBytes: 3 * MiB)).Length);
        Assert.Equal(["HEAD", "GET"], recording.Sent.Select(r => r.Method));
    }

    [S3Theory]
    [InlineData(S3ServerFixture.PlainBucket)]
    [InlineData(S3ServerFixture.ConditionalBucket)]
    public async Task ALockObjectRefusesASecondHolderNamingTheFirst(string bucket)
    {
        using var backend = server.CreateBackend(bucket);
        var owner = new StorageLockOwner(4242, "host-a", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), "checkpointer");
        await using (var held = await backend.AcquireLockAsync("store/.lock", owner))
        {
            Assert.Equal("store/.lock", held.Path);
            var refused = await Assert.ThrowsAsync<StorageLockedException>(async () => await backend.AcquireLockAsync("store/.lock", StorageLockOwner.Current("second")));
            Assert.Equal(owner, refused.Holder);
            Assert.Contains("host-a", refused.Message, StringComparison.Ordinal);
            Assert.Contains($"S3 bucket '{bucket}'", refused.Message, StringComparison.Ordinal);
        }

        Assert.Null(await backend.GetEntryAsync("store/.lock"));

        // Two at once: one holds, the other is refused.
        var attempts = await Task.WhenAll(Enumerable.Range(0, 2).Select(async i =>
        {
            try
            {
                return (Lock: (StorageLock?)await backend.AcquireLockAsync("store/.lock", StorageLockOwner.Current($"racer {i}")), Error: (Exception?)null);
            }
            catch (StorageLockedException exception)
            {
                return (Lock: (StorageLock?)null, Error: (Exception?)exception);
            }
        }));
        var winner = Assert.Single(attempts, a => a.Lock is not null).Lock!;
        Assert.Single(attempts, a => a.Error is not null);
        await winner.DisposeAsync();
        await winner.DisposeAsync();
        await using var again = await backend.AcquireLockAsync("store/.lock", owner);
    }

    [S3Fact]
    public async Task NamesThatNeedEscapingRoundTrip()
    {
        using var backend = server.CreateBackend();
        string[] names = ["a+b", "100%", "%41", "sp ace", "q?x", "h#sh", "amp&er", "eq=1", "semi;colon", "comma,", "colon:x", "tilde~", "quote'", "star*", "ü-ä", "日本", "pair\uD83D\uDE00"];
        foreach (var name in names)
        {
            await WriteAsync(backend, "chars/" + name, System.Text.Encoding.UTF8.GetBytes(name));
        }

        var listed = await backend.ListAsync("chars");
        Assert.Equal(names.Order(StringComparer.Ordinal), listed.Select(e => e.Name));
        foreach (var name in names)
        {
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes(name), await backend.ReadAllBytesAsync("chars/" + name));
            Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(name), (await backend.GetEntryAsync("chars/" + name))!.Length);
        }

        Assert.True(await backend.DeleteDirectoryAsync("chars"));
        Assert.Null(await backend.GetEntryAsync("chars/a+b"));
    }

    [S3Fact]
    public async Task ListingsAndDirectoryDeletesPage()
    {
        using var backend = server.CreateBackend();
        backend.ListPageSize = 2;
        for (var i = 0; i < 5; i++)
        {
            await WriteAsync(backend, $"paged/f{i}", [(byte)i]);
        }

        await backend.CreateDirectoryAsync("paged/sub1");
        await WriteAsync(backend, "paged/sub2/deep/file", [9]);

        Assert.Equal(["f0", "f1", "f2", "f3", "f4", "sub1", "sub2"], (await backend.ListAsync("paged")).Select(e => e.Name));
        Assert.True(await backend.DeleteDirectoryAsync("paged"));
        Assert.Null(await backend.GetEntryAsync("paged"));
        Assert.Empty(await backend.ListAsync(""));
    }

    [S3Fact]
    public async Task DeletingAFileOrADirectoryKeepsItsParent()
    {
        using var backend = server.CreateBackend();
        await WriteAsync(backend, "a/b/c/file", [1]);
        await WriteAsync(backend, "a/other", [2]);

        Assert.True(await backend.DeleteDirectoryAsync("a/b/c"));
        Assert.Equal(new StorageEntry("a/b", true, 0), await backend.GetEntryAsync("a/b"));
        Assert.Empty(await backend.ListAsync("a/b"));
        Assert.True(await backend.DeleteAsync("a/other"));
        Assert.Equal([new StorageEntry("a/b", true, 0)], await backend.ListAsync("a"));
        await backend.SyncDirectoryAsync("a/b");
    }

    private static async Task<Exception?> CommitOutcomeAsync(PendingFile file)
    {
        try
        {
            await file.CommitAsync();
            return null;
        }
        catch (StorageException exception)
        {
            return exception;
        }
    }

    private static async Task WriteAsync(IStorageBackend backend, string path, byte[] bytes)
    {
        await using var file = await backend.CreateAsync(path);
        await file.WriteAsync(bytes);
        await file.CommitAsync();
    }

    private static S3StorageOptions WithClient(S3StorageOptions options, IAmazonS3 client)
    {
        options.Client = client;
        return options;
    }

    private static async Task<IReadOnlyList<MultipartUpload>> OpenUploadsAsync(IAmazonS3 client, S3StorageBackend backend)
    {
        var uploads = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = backend.Bucket, Prefix = backend.Prefix + "/" });
        return uploads.MultipartUploads ?? [];
    }

    /// <summary>A backend that uploads files above 5 MiB in 5 MiB parts and buffers more than 64 KiB on disk.</summary>
    private S3StorageBackend MultipartBackend(IAmazonS3 client, ILogger? logger = null, Action<S3StorageOptions>? configure = null, string bucket = S3ServerFixture.PlainBucket)
    {
        var options = WithClient(server.Options(bucket, logger), client);
        options.MultipartThreshold = 5 * MiB;
        options.MultipartPartSize = 5 * MiB;
        options.MemoryBufferLimit = 64 * 1024;
        options.MultipartConcurrency = 2;
        configure?.Invoke(options);
        return new S3StorageBackend(options);
    }
}
