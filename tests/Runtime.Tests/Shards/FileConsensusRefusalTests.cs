using Bulwark.Runtime.Tests.Storage;
using Bulwark.Shards;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ConsensusEntries;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// What a file consensus store refuses, and what it says: a read-only open of a directory that is not there, a write
/// through a read-only instance, an entry grown past what any entry can hold. Each leaves the store as it was.
/// </summary>
public sealed class FileConsensusRefusalTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_missing_root_is_refused_naming_the_parameter(string? root)
    {
        var refused = Assert.ThrowsAny<ArgumentException>(() => new FileConsensus(root!));
        Assert.Equal("rootDirectory", refused.ParamName);
        Assert.Throws(refused.GetType(), () => FileConsensus.OpenReadOnly(root!));
    }

    [Fact]
    public void A_read_only_open_of_a_missing_directory_is_refused_and_creates_nothing()
    {
        var root = temp.Join("absent");

        var refused = Assert.Throws<ConsensusException>(() => FileConsensus.OpenReadOnly(root));
        Assert.Equal($"consensus directory '{Path.GetFullPath(root)}' does not exist.", refused.Message);
        Assert.False(Directory.Exists(root));
    }

    [Fact]
    public async Task A_read_only_instance_refuses_compare_and_set_and_truncation_and_the_store_keeps_its_entries()
    {
        var root = temp.Join("store");
        var writer = new FileConsensus(root);
        Assert.Equal(CasResult.Committed(0), await writer.CompareAndSetAsync("k", null, Entry(0, "zero")));
        Assert.Equal(CasResult.Committed(1), await writer.CompareAndSetAsync("k", 0, Entry(1, "one")));

        var reader = FileConsensus.OpenReadOnly(root);
        Assert.True(reader.IsReadOnly);
        var write = await Assert.ThrowsAsync<InvalidOperationException>(() => reader.CompareAndSetAsync("k", 1, Entry(2, "two")));
        Assert.Equal($"Cannot compare-and-set: {reader.Description} was opened read-only.", write.Message);
        var truncate = await Assert.ThrowsAsync<InvalidOperationException>(() => reader.TruncateAsync("k", 1));
        Assert.Equal($"Cannot truncate: {reader.Description} was opened read-only.", truncate.Message);

        Assert.Equal(Entry(1, "one"), await reader.HeadAsync("k"));
        Assert.Equal([Entry(0, "zero"), Entry(1, "one")], await ScanAllAsync(writer, "k"));
    }

    [Fact]
    public async Task An_entry_longer_than_any_entry_can_be_is_refused_as_tampering_not_read_into_memory()
    {
        var root = temp.Join("store");
        var consensus = new FileConsensus(root);
        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("k", null, Entry(0, "zero")));
        var entry = Path.Join(KeyDirectory(root, "k"), Name(0));
        await using (var grown = new FileStream(entry, FileMode.Open, FileAccess.Write))
        {
            grown.SetLength(ConsensusLimits.MaxDataBytes + 1L);
        }

        var refused = await Assert.ThrowsAsync<ConsensusException>(() => consensus.HeadAsync("k"));
        Assert.Equal(
            $"Entry '{entry}' of {consensus.Description} has {ConsensusLimits.MaxDataBytes + 1L} bytes, more than any entry can hold: the store was tampered with.",
            refused.Message);
    }

    [Fact]
    public async Task An_entry_that_cannot_be_opened_is_a_transient_failure_that_names_it()
    {
        var root = temp.Join("store");
        Assert.Equal(CasResult.Committed(0), await new FileConsensus(root).CompareAndSetAsync("k", null, Entry(0, "zero")));

        // A link to itself is listed as entry 1, and opening it fails (too many levels of links) for any user, root too.
        var entry = Path.Join(KeyDirectory(root, "k"), Name(1));
        File.CreateSymbolicLink(entry, entry);
        var consensus = new FileConsensus(root);

        var failed = await Assert.ThrowsAsync<ConsensusException>(() => consensus.HeadAsync("k"));
        Assert.True(failed.IsTransient);
        Assert.StartsWith($"Cannot read entry '{entry}' of {consensus.Description}: ", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_where_a_keys_directory_belongs_fails_writes_as_transient_and_reads_as_empty()
    {
        var consensus = new FileConsensus(temp.Join("store"));
        var directory = KeyDirectory(consensus.RootPath, "k");
        File.WriteAllBytes(directory, [1]);

        var failed = await Assert.ThrowsAsync<ConsensusException>(() => consensus.CompareAndSetAsync("k", null, Entry(0, "zero")));
        Assert.True(failed.IsTransient);
        Assert.StartsWith($"{consensus.Description}: ", failed.Message, StringComparison.Ordinal);
        Assert.Null(await consensus.HeadAsync("k"));
        Assert.Equal([1], File.ReadAllBytes(directory));
    }

    [Fact]
    public async Task A_keys_lock_that_cannot_be_opened_fails_writes_as_transient_naming_it()
    {
        var consensus = new FileConsensus(temp.Join("store"));
        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("k", null, Entry(0, "zero")));
        var lockPath = Path.Join(KeyDirectory(consensus.RootPath, "k"), ".lock");
        File.Delete(lockPath);
        Directory.CreateDirectory(lockPath);

        var failed = await Assert.ThrowsAsync<ConsensusException>(() => consensus.CompareAndSetAsync("k", 0, Entry(1, "one")));
        Assert.True(failed.IsTransient);
        Assert.StartsWith($"Cannot lock '{lockPath}' of {consensus.Description}: ", failed.Message, StringComparison.Ordinal);
        Assert.Equal(Entry(0, "zero"), await consensus.HeadAsync("k"));
    }

    [Fact]
    public async Task Only_directories_named_by_the_even_length_lowercase_hex_of_a_key_are_keys()
    {
        var root = temp.Join("store");
        var consensus = new FileConsensus(root);
        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("k", null, Entry(0, "zero")));
        var longest = new string('k', ConsensusLimits.MaxKeyBytes);
        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync(longest, null, Entry(0, "zero")));

        // Odd length, upper case, not hex, one byte past the longest key: no key's directory, so the clean-up at open
        // leaves even a file named like a crashed writer's temporary alone there.
        string[] foreign = ["abc", "6B6C", "zz", new string('a', (2 * ConsensusLimits.MaxKeyBytes) + 2)];
        foreach (var name in foreign)
        {
            Directory.CreateDirectory(Path.Join(root, name));
            File.WriteAllBytes(Path.Join(root, name, ".tmp-user-file"), [1]);
        }

        // The hex of bytes that are not UTF-8 names a directory no instance wrote, and no key.
        Directory.CreateDirectory(Path.Join(root, "ff"));

        var reopened = new FileConsensus(root);
        Assert.Equal(["k", longest], reopened.ListKeys());
        Assert.Equal(["k", longest], FileConsensus.OpenReadOnly(root).ListKeys());
        Assert.All(foreign, name => Assert.True(File.Exists(Path.Join(root, name, ".tmp-user-file")), name));
    }

    private static async Task<List<VersionedData>> ScanAllAsync(IConsensus consensus, string key)
    {
        var found = new List<VersionedData>();
        await foreach (var entry in consensus.ScanAsync(key, 0, int.MaxValue))
        {
            found.Add(entry);
        }

        return found;
    }
}
