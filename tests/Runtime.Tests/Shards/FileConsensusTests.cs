using System.Text;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Shards;
using Microsoft.Extensions.Logging.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ConsensusEntries;

namespace Bulwark.Runtime.Tests.Shards;

public sealed class FileConsensusContractTests : ConsensusContractTests, IDisposable
{
    private readonly TempDirectory temp = new();

    public FileConsensusContractTests()
    {
        Consensus = new FileConsensus(temp.Join("consensus"));
    }

    protected override IConsensus Consensus { get; }

    public void Dispose() => temp.Dispose();
}

/// <summary>What only real files show: the layout, the root kept, and crashes at every step of a write or truncation.</summary>
public sealed class FileConsensusTests : IDisposable
{
    private static readonly byte[] Sentinel = "do not touch"u8.ToArray();

    private readonly TempDirectory temp = new();
    private readonly string root;

    public FileConsensusTests()
    {
        // {temp}/sentinel must survive every test; {temp}/root is the store.
        File.WriteAllBytes(temp.Join("sentinel"), Sentinel);
        root = temp.Join("root");
    }

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task EachEntryIsOneFileNamedByItsSeqNoInTheKeysHexDirectory()
    {
        var consensus = new FileConsensus(root);
        await Commit(consensus, "shard-1", null, Entry(0, "zero"));
        await Commit(consensus, "shard-1", 0, Entry(1, "one"));

        var keyDirectory = KeyDirectory(root, "shard-1");
        Assert.Equal([keyDirectory], Directory.GetDirectories(root));
        Assert.Equal([".lock", "00000000000000000000", "00000000000000000001"], Directory.GetFiles(keyDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("one"u8.ToArray(), File.ReadAllBytes(Path.Join(keyDirectory, "00000000000000000001")));
    }

    [Theory]
    [MemberData(nameof(ConsensusContractTests.HostileKeys), MemberType = typeof(ConsensusContractTests))]
    public async Task NoKeyReachesOutsideItsOwnDirectory(string key)
    {
        var consensus = new FileConsensus(root);
        await Commit(consensus, key, null, Entry(0, "in"));
        await Commit(consensus, key, 0, Entry(1, "x"));
        Assert.Equal(1, await consensus.TruncateAsync(key, 5));

        Assert.Equal(["root", "sentinel"], Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(Sentinel, File.ReadAllBytes(temp.Join("sentinel")));
        var directory = Assert.Single(Directory.GetDirectories(root));
        Assert.Equal(Convert.ToHexStringLower(Encoding.UTF8.GetBytes(key)), Path.GetFileName(directory));
        Assert.Empty(Directory.GetDirectories(directory));
    }

    [Fact]
    public async Task ACrashBetweenTheTemporaryAndTheLinkLeavesNoEntryAndIsCleanedAtOpen()
    {
        var consensus = new FileConsensus(root);
        await Commit(consensus, "k", null, Entry(0, "zero"));
        var keyDirectory = Assert.Single(Directory.GetDirectories(root));

        // What a writer that died after writing (or while writing) its temporary leaves: the would-be entry 1, whole
        // or torn, under a temporary name and never linked.
        File.WriteAllBytes(Path.Join(keyDirectory, ".tmp-" + Guid.NewGuid().ToString("N")), "one, whole"u8.ToArray());
        File.WriteAllBytes(Path.Join(keyDirectory, ".tmp-" + Guid.NewGuid().ToString("N")), "on"u8.ToArray());

        Assert.Equal(Entry(0, "zero"), await consensus.HeadAsync("k"));
        Assert.Equal([Entry(0, "zero")], await ScanAll(consensus, "k"));

        var reopened = new FileConsensus(root);
        Assert.Empty(Directory.GetFiles(keyDirectory, ".tmp-*"));
        Assert.Equal(Entry(0, "zero"), await reopened.HeadAsync("k"));
        await Commit(reopened, "k", 0, Entry(1, "one"));
        Assert.Equal([Entry(0, "zero"), Entry(1, "one")], await ScanAll(new FileConsensus(root), "k"));
    }

    [Fact]
    public async Task ATemporaryOfAKeyHeldByAnotherInstanceIsLeftToItsHolder()
    {
        var holder = new FileConsensus(root);
        await Commit(holder, "k", null, Entry(0, "zero"));
        var keyDirectory = Assert.Single(Directory.GetDirectories(root));
        var temporary = Path.Join(keyDirectory, ".tmp-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(temporary, "in flight"u8.ToArray());

        // While the key's lock is held (as a writer holds it from its temporary to its link) an opener must not delete.
        var logger = new FakeLogger();
        FileConsensus openedWhileHeld;
        using (new FileStream(Path.Join(keyDirectory, ".lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            openedWhileHeld = new FileConsensus(root, logger);
            Assert.True(File.Exists(temporary));
        }

        // Reads take no lock and leave it; the instance's first lock of the key cleans up before it writes, and says so.
        Assert.Equal(Entry(0, "zero"), await openedWhileHeld.HeadAsync("k"));
        Assert.True(File.Exists(temporary));
        await Commit(openedWhileHeld, "k", 0, Entry(1, "one"));
        Assert.False(File.Exists(temporary));
        var removed = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 4004);
        Assert.Contains(temporary, removed.Message, StringComparison.Ordinal);
        Assert.Equal([Entry(0, "zero"), Entry(1, "one")], await ScanAll(openedWhileHeld, "k"));
    }

    [Fact]
    public async Task AnExpectedEntryTruncatedWhileTheCompareAndSetWaitsForTheKeyLockIsAMismatchNotAResurrection()
    {
        var consensus = new FileConsensus(root);
        await Commit(consensus, "k", null, Entry(0, "zero"));
        var keyDirectory = Assert.Single(Directory.GetDirectories(root));
        Task<CasResult> compareAndSet;

        // A peer (another process) holds the key's lock, writes 1 and 2 and truncates 0 and 1. Linking 1 again would
        // put a stale entry below the head; link(2) alone cannot see that 1 once existed, the lock makes the writer
        // look at the head only once the peer is done.
        using (new FileStream(Path.Join(keyDirectory, ".lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            compareAndSet = consensus.CompareAndSetAsync("k", 0, Entry(1, "stale"));
            File.WriteAllBytes(Path.Join(keyDirectory, "00000000000000000001"), "one"u8.ToArray());
            File.WriteAllBytes(Path.Join(keyDirectory, "00000000000000000002"), "two"u8.ToArray());
            File.Delete(Path.Join(keyDirectory, "00000000000000000000"));
            File.Delete(Path.Join(keyDirectory, "00000000000000000001"));
            Assert.False(compareAndSet.IsCompleted);
        }

        Assert.Equal(CasResult.Mismatch(2), await compareAndSet);
        Assert.Equal([Entry(2, "two")], await ScanAll(consensus, "k"));
    }

    [Fact]
    public async Task ATruncationCutShortByAPowerLossIsFinishedAtOpen()
    {
        var consensus = new FileConsensus(root);
        for (var i = 0; i < 5; i++)
        {
            await Commit(consensus, "k", i == 0 ? null : i - 1, Entry(i, $"v{i}"));
        }

        // Deletions of 1 and 2 reached the disk, the deletion of 0 did not: the entries left have a gap.
        var keyDirectory = Assert.Single(Directory.GetDirectories(root));
        File.Delete(Path.Join(keyDirectory, "00000000000000000001"));
        File.Delete(Path.Join(keyDirectory, "00000000000000000002"));

        var reopened = new FileConsensus(root);
        Assert.Equal([Entry(3, "v3"), Entry(4, "v4")], await ScanAll(reopened, "k"));
        Assert.Equal(Entry(4, "v4"), await reopened.HeadAsync("k"));
    }

    [Fact]
    public async Task InstancesSharingARootSeeOneAnothersWritesAndRaceSafely()
    {
        var instances = Enumerable.Range(0, 6).Select(_ => new FileConsensus(root)).ToArray();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var racers = instances.Select((c, i) => Task.Run(async () =>
        {
            await start.Task;
            return await c.CompareAndSetAsync("shared", null, Entry(0, $"instance {i}"));
        })).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(racers);
        var winner = Assert.Single(Enumerable.Range(0, instances.Length), i => results[i].IsCommitted);

        // An instance whose cached head is stale still compares against the files.
        await Commit(instances[0], "shared", 0, Entry(1, "one"));
        await Commit(instances[1], "shared", 1, Entry(2, "two"));
        Assert.Equal(2, await instances[2].TruncateAsync("shared", 2));
        Assert.Equal(CasResult.Mismatch(2), await instances[0].CompareAndSetAsync("shared", 1, Entry(2, "stale")));
        Assert.Equal(Entry(2, "two"), await instances[0].HeadAsync("shared"));
        Assert.Equal([Entry(2, "two")], await ScanAll(instances[winner], "shared"));
    }

    [Fact]
    public async Task AKeyDirectoryWithNoEntryIsAnEmptyKey()
    {
        // What a first write that failed before its link leaves: the key's directory and its lock, and no entry.
        var consensus = new FileConsensus(root);
        var keyDirectory = KeyDirectory(root, "k");
        Directory.CreateDirectory(keyDirectory);
        File.WriteAllBytes(Path.Join(keyDirectory, ".lock"), []);

        Assert.Equal(0, await consensus.TruncateAsync("k", 5));
        Assert.Null(await consensus.HeadAsync("k"));
        Assert.Empty(await ScanAll(consensus, "k"));
        await Commit(consensus, "k", null, Entry(0, "zero"));
        Assert.Equal([Entry(0, "zero")], await ScanAll(consensus, "k"));
    }

    [Fact]
    public async Task ForeignFilesInAKeyDirectoryAreNotEntries()
    {
        var consensus = new FileConsensus(root);
        await Commit(consensus, "k", null, Entry(0, "zero"));
        var keyDirectory = Assert.Single(Directory.GetDirectories(root));
        File.WriteAllBytes(Path.Join(keyDirectory, "notes.txt"), [1]);
        File.WriteAllBytes(Path.Join(keyDirectory, "99"), [1]);
        File.WriteAllBytes(Path.Join(keyDirectory, "0000000000000000000x"), [1]);
        Directory.CreateDirectory(Path.Join(root, "not-a-key"));

        var reopened = new FileConsensus(root);
        Assert.Equal([Entry(0, "zero")], await ScanAll(reopened, "k"));
        await Commit(reopened, "k", 0, Entry(1, "one"));
        Assert.Equal(1, await reopened.TruncateAsync("k", 9));
        Assert.True(File.Exists(Path.Join(keyDirectory, "notes.txt")));
    }

    private static async Task Commit(IConsensus consensus, string key, long? expected, VersionedData next) =>
        Assert.Equal(CasResult.Committed(next.SeqNo), await consensus.CompareAndSetAsync(key, expected, next));

    private static async Task<List<VersionedData>> ScanAll(IConsensus consensus, string key)
    {
        var found = new List<VersionedData>();
        await foreach (var entry in consensus.ScanAsync(key, 0, int.MaxValue))
        {
            found.Add(entry);
        }

        return found;
    }
}
