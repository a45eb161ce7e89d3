using Bulwark.Runtime.Tests.Storage;
using Bulwark.Shards;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ConsensusFileOperation;
using static Bulwark.Runtime.Tests.Shards.ConsensusEntries;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// A file consensus store whose ordinary file operations fail on cue: a temporary that cannot be written or removed,
/// a deletion of a truncation, a listing, the key lock, a key directory, an entry that vanishes between its listing
/// and its read. Each failure is either harmless and logged, or a typed error that says whether anything happened.
/// </summary>
public sealed class FileConsensusFileFaultTests : IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly FaultingConsensusFiles files = new();
    private readonly RecordingLogger log = new();
    private readonly FileConsensus consensus;
    private readonly string keyDirectory;

    public FileConsensusFileFaultTests()
    {
        consensus = new FileConsensus(temp.Join("store"), files, log);
        keyDirectory = KeyDirectory(consensus.RootPath, "k");
    }

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_temporary_that_cannot_be_written_fails_as_transient_and_leaves_nothing(bool afterEffect)
    {
        await CommitAsync(0);
        files.Fail(WriteNew, () => new IOException("No space left on device"), times: 1, afterEffect: afterEffect);

        var failed = await Assert.ThrowsAsync<ConsensusException>(() => consensus.CompareAndSetAsync("k", 0, Entry(1)));

        Assert.Equal($"Cannot write a new entry in {consensus.Description}: No space left on device", failed.Message);
        Assert.True(failed.IsTransient);
        Assert.IsType<IOException>(failed.InnerException);
        AssertKeyDirectoryHolds(0);
        Assert.Equal(CasResult.Committed(1), await consensus.CompareAndSetAsync("k", 0, Entry(1)));
    }

    [Fact]
    public async Task An_error_that_is_not_the_file_systems_is_not_disguised_as_a_transient_failure()
    {
        // A defect (here, an InvalidOperationException) is not something a retry would mend: it stays what it is.
        files.Fail(WriteNew, () => new InvalidOperationException("a defect in the writer"), times: 1);

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => consensus.CompareAndSetAsync("k", null, Entry(0)));

        Assert.Equal("a defect in the writer", failed.Message);
        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("k", null, Entry(0)));
    }

    [Fact]
    public async Task A_temporary_write_refused_by_permissions_is_transient_too()
    {
        files.Fail(WriteNew, () => new UnauthorizedAccessException("Access denied"), times: 1);

        var failed = await Assert.ThrowsAsync<ConsensusException>(() => consensus.CompareAndSetAsync("k", null, Entry(0)));

        Assert.True(failed.IsTransient);
        Assert.IsType<UnauthorizedAccessException>(failed.InnerException);
    }

    [Fact]
    public async Task A_cancelled_temporary_write_is_a_cancellation_and_leaves_no_temporary()
    {
        await CommitAsync(0);
        files.Fail(WriteNew, () => new OperationCanceledException(), times: 1, afterEffect: true);

        await Assert.ThrowsAsync<OperationCanceledException>(() => consensus.CompareAndSetAsync("k", 0, Entry(1)));

        AssertKeyDirectoryHolds(0);
    }

    [Fact]
    public async Task A_temporary_left_after_a_commit_is_logged_and_removed_at_the_next_open()
    {
        await CommitAsync(0);
        files.Fail(Delete, () => new IOException("Input/output error"), pathEnd: "", times: 1);

        Assert.Equal(CasResult.Committed(1), await consensus.CompareAndSetAsync("k", 0, Entry(1)));

        var warning = Assert.Single(log.Named("TemporaryNotDeleted"));
        var temporary = (string)warning.Fields["Temporary"]!;
        Assert.StartsWith(Path.Join(keyDirectory, ".tmp-"), temporary, StringComparison.Ordinal);
        Assert.True(File.Exists(temporary));
        var reopened = new RecordingLogger();
        _ = new FileConsensus(temp.Join("store"), ConsensusFiles.Instance, reopened);
        Assert.False(File.Exists(temporary));
        Assert.Equal(temporary, Assert.Single(reopened.Named("TemporaryRemoved")).Fields["Temporary"]);
        AssertKeyDirectoryHolds(0, 1);
    }

    [Fact]
    public async Task A_truncation_whose_first_deletion_fails_removed_nothing_and_says_so()
    {
        await CommitAsync(0, 1, 2);
        files.Fail(Delete, () => new IOException("Read-only file system"), pathEnd: Name(0), times: 1);

        var failed = await Assert.ThrowsAsync<ConsensusException>(() => consensus.TruncateAsync("k", 2));

        Assert.IsNotType<IndeterminateConsensusException>(failed);
        Assert.True(failed.IsTransient);
        Assert.Equal($"Cannot truncate key 'k' of {consensus.Description}: Read-only file system", failed.Message);
        AssertKeyDirectoryHolds(0, 1, 2);
        Assert.Equal(2, await consensus.TruncateAsync("k", 2));
    }

    [Fact]
    public async Task A_truncation_that_fails_after_a_deletion_is_indeterminate_and_counts_it()
    {
        await CommitAsync(0, 1, 2);
        files.Fail(Delete, () => new IOException("Read-only file system"), pathEnd: Name(1), times: 1);

        var unsure = await Assert.ThrowsAsync<IndeterminateConsensusException>(() => consensus.TruncateAsync("k", 2));

        Assert.Equal($"Truncation of key 'k' in {consensus.Description} removed 1 entries and then failed; they may reappear after a crash: Read-only file system", unsure.Message);
        AssertKeyDirectoryHolds(1, 2);
        Assert.Equal(Entry(2), await consensus.HeadAsync("k"));
    }

    [Fact]
    public async Task A_truncation_of_a_key_never_written_touches_nothing()
    {
        var opened = files.Calls.Count;

        Assert.Equal(0, await consensus.TruncateAsync("k", 5));

        Assert.False(Directory.Exists(keyDirectory));
        Assert.Equal([(DirectoryExists, keyDirectory)], files.Calls.Skip(opened));
    }

    [Fact]
    public async Task A_listing_that_fails_is_a_transient_failure_naming_the_store()
    {
        await CommitAsync(0);

        // A fresh instance: one that has seen the head looks for it by name before it lists.
        var fresh = new FileConsensus(temp.Join("store"), files, log);
        files.Fail(EnumerateFiles, () => new IOException("Stale file handle"), times: 2);

        var head = await Assert.ThrowsAsync<ConsensusException>(() => fresh.HeadAsync("k"));
        var scan = await Assert.ThrowsAsync<ConsensusException>(async () => await fresh.ScanAsync("k", 0, 10).ToListAsync());

        Assert.All(new[] { head, scan }, e => Assert.Equal($"{consensus.Description}: Stale file handle", e.Message));
        Assert.All(new[] { head, scan }, e => Assert.True(e.IsTransient));
        Assert.Equal(Entry(0), await fresh.HeadAsync("k"));
    }

    [Fact]
    public async Task A_key_directory_that_cannot_be_created_fails_the_write_as_transient()
    {
        files.Fail(CreateDirectory, () => new IOException("Too many links"), times: 1);

        var failed = await Assert.ThrowsAsync<ConsensusException>(() => consensus.CompareAndSetAsync("k", null, Entry(0)));

        Assert.Equal($"{consensus.Description}: Too many links", failed.Message);
        Assert.False(Directory.Exists(keyDirectory));
        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("k", null, Entry(0)));
    }

    [Fact]
    public async Task A_key_lock_held_elsewhere_is_waited_for()
    {
        await CommitAsync(0);
        var held = new IOException("Resource temporarily unavailable") { HResult = 11 };
        files.Fail(OpenExclusive, () => held, pathEnd: ".lock", times: 3);
        var before = files.Calls.Count(c => c.Operation == OpenExclusive);

        Assert.Equal(CasResult.Committed(1), await consensus.CompareAndSetAsync("k", 0, Entry(1)));

        Assert.Equal(before + 4, files.Calls.Count(c => c.Operation == OpenExclusive));
    }

    [Fact]
    public async Task A_key_lock_that_cannot_be_opened_fails_as_transient_and_frees_the_key_for_the_next_call()
    {
        await CommitAsync(0);
        files.Fail(OpenExclusive, () => new UnauthorizedAccessException("Permission denied"), pathEnd: ".lock", times: 1);

        var failed = await Assert.ThrowsAsync<ConsensusException>(() => consensus.CompareAndSetAsync("k", 0, Entry(1)));

        Assert.Equal($"Cannot lock '{Path.Join(keyDirectory, ".lock")}' of {consensus.Description}: Permission denied", failed.Message);
        Assert.Equal(CasResult.Committed(1), await consensus.CompareAndSetAsync("k", 0, Entry(1)));
    }

    [Fact]
    public async Task An_entry_gone_between_its_listing_and_its_read_is_looked_for_again()
    {
        await CommitAsync(0, 1);
        files.Fail(OpenRead, () => new FileNotFoundException("gone"), pathEnd: Name(1), times: 1);

        Assert.Equal(Entry(1), await consensus.HeadAsync("k"));

        Assert.Equal(2, files.Calls.Count(c => c.Operation == OpenRead && c.Path.EndsWith(Name(1), StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_scan_skips_an_entry_truncated_after_its_listing()
    {
        await CommitAsync(0, 1, 2);
        files.Fail(OpenRead, () => new DirectoryNotFoundException("gone"), pathEnd: Name(0), times: 1);

        var scanned = await consensus.ScanAsync("k", 0, 2).ToListAsync();

        Assert.Equal([Entry(1), Entry(2)], scanned);
    }

    [Fact]
    public async Task A_head_read_while_another_instance_commits_answers_the_newer_head()
    {
        await CommitAsync(0, 1);
        var other = new FileConsensus(temp.Join("store"));

        // Between reading entry 1 and checking that it has no successor, another instance links entry 2.
        files.Before(OpenRead, Name(1), () => Assert.Equal(CasResult.Committed(2), other.CompareAndSetAsync("k", 1, Entry(2)).GetAwaiter().GetResult()));

        Assert.Equal(Entry(2), await consensus.HeadAsync("k"));
    }

    [Fact]
    public async Task An_entry_read_and_then_truncated_is_not_answered_as_the_head()
    {
        await CommitAsync(0, 1);
        var other = new FileConsensus(temp.Join("store"));

        // Entry 1 is read as the head; before its successor is checked, another instance links 2 and 3 and truncates
        // below 3, so neither 1 nor 2 exists any more.
        files.Before(OpenRead, Name(1), () => files.Before(FileExists, Name(2), () =>
        {
            Assert.Equal(CasResult.Committed(2), other.CompareAndSetAsync("k", 1, Entry(2)).GetAwaiter().GetResult());
            Assert.Equal(CasResult.Committed(3), other.CompareAndSetAsync("k", 2, Entry(3)).GetAwaiter().GetResult());
            Assert.Equal(3, other.TruncateAsync("k", 3).GetAwaiter().GetResult());
        }));

        Assert.Equal(Entry(3), await consensus.HeadAsync("k"));
    }

    [Fact]
    public async Task A_key_whose_clean_up_fails_under_its_lock_is_released_for_the_next_call()
    {
        // A temporary that appeared after the open (another process crashed mid-write): the first lock of the key removes it.
        Directory.CreateDirectory(keyDirectory);
        File.WriteAllBytes(Path.Join(keyDirectory, ".tmp-crashed"), [1]);
        files.Fail(Delete, () => new IOException("Device or resource busy"), pathEnd: ".tmp-crashed", times: 1);

        var failed = await Assert.ThrowsAsync<ConsensusException>(() => consensus.CompareAndSetAsync("k", null, Entry(0)));

        Assert.Equal($"{consensus.Description}: Device or resource busy", failed.Message);
        // Released by closing its handle, not left to a finalizer that would hold the key until a collection.
        Assert.Equal(0, OpenHandles(Path.Join(keyDirectory, ".lock")));
        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("k", null, Entry(0)));
        AssertKeyDirectoryHolds(0);
    }

    [Fact]
    public void An_open_that_cannot_sweep_a_crashed_writers_temporary_fails_naming_the_store()
    {
        var store = temp.Join("swept");
        var key = Path.Join(store, "6b");
        Directory.CreateDirectory(key);
        File.WriteAllBytes(Path.Join(key, ".tmp-0123"), [1]);
        var failing = new FaultingConsensusFiles().Fail(Delete, () => new IOException("Device or resource busy"), pathEnd: ".tmp-0123");

        var failed = Assert.Throws<ConsensusException>(() => new FileConsensus(store, failing));

        Assert.Equal($"consensus directory '{store}': Device or resource busy", failed.Message);
        Assert.True(File.Exists(Path.Join(key, ".tmp-0123")));
    }

    private async Task CommitAsync(params long[] seqNos)
    {
        foreach (var seqNo in seqNos)
        {
            Assert.Equal(CasResult.Committed(seqNo), await consensus.CompareAndSetAsync("k", seqNo == 0 ? null : seqNo - 1, Entry(seqNo)));
        }
    }

    /// <summary>This process's open descriptors on <paramref name="path"/> (Linux's /proc, like the system calls these tests fault).</summary>
    private static int OpenHandles(string path) =>
        Directory.EnumerateFileSystemEntries("/proc/self/fd").Count(fd =>
        {
            try
            {
                return new FileInfo(fd).LinkTarget == path;
            }
            catch (IOException)
            {
                return false; // closed while listed
            }
        });

    /// <summary>The key directory holds exactly these entries and its lock: no temporary was left behind.</summary>
    private void AssertKeyDirectoryHolds(params long[] seqNos)
    {
        var expected = seqNos.Select(Name).Append(".lock").Order(StringComparer.Ordinal);
        Assert.Equal(expected, Directory.EnumerateFileSystemEntries(keyDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
