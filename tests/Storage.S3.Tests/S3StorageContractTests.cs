using Bulwark.Runtime.Tests.Storage;

namespace Bulwark.Storage.S3.Tests;

/// <summary>The storage contract every backend passes, against s3rver, each test in a fresh prefix of the plain bucket.</summary>
[Collection(S3ServerCollection.Name)]
public sealed class S3StorageContractTests : StorageContractTests
{
    private readonly S3ServerFixture server;
    private readonly S3StorageBackend backend;

    public S3StorageContractTests(S3ServerFixture server)
    {
        this.server = server;
        backend = server.CreateBackend();
    }

    protected override IStorageBackend Backend => backend;

    // The length comes from a HEAD request; S3StorageBackendTests shows that a refused object is not downloaded.
    protected override bool ChecksLengthWithoutIo => false;

    public override void Dispose()
    {
        backend.Dispose();
        base.Dispose();
    }

    /// <summary>No multipart upload of this backend is left open, and nothing lands next to the tests' root prefix.</summary>
    protected override void AssertNoStrayFiles(string directory)
    {
        var prefix = backend.Prefix + "/";
        var open = server.OpenUploadDirectories(S3ServerFixture.PlainBucket)
            .Select(upload => File.ReadAllText(Path.Join(upload, "key")))
            .Where(key => key.StartsWith(prefix, StringComparison.Ordinal));
        Assert.Empty(open);
        var top = Directory.EnumerateFileSystemEntries(Path.Join(server.DataDirectory, S3ServerFixture.PlainBucket)).Select(Path.GetFileName);
        Assert.All(top, name => Assert.Contains(name, new[] { "tests", "._S3rver_uploads" }));
    }
}
