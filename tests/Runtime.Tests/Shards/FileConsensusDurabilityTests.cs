using System.Collections.Concurrent;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Shards;
using Bulwark.Storage;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ConsensusEntries;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// A name added to or removed from a directory survives a power loss only once that directory is fsynced. These trace
/// every change a file consensus store makes to a directory (links, deletions, new directories, temporaries) and every
/// directory fsync, and check that no call returns with a change of its own, or one it hands out, still unsynced.
/// </summary>
public sealed class FileConsensusDurabilityTests : IDisposable
{
    private static readonly string[] Changes = ["link", "unlink", nameof(ConsensusFileOperation.Delete), nameof(ConsensusFileOperation.CreateDirectory), nameof(ConsensusFileOperation.WriteNew), nameof(ConsensusFileOperation.MoveNoReplace)];

    private readonly TempDirectory temp = new();
    private readonly ConcurrentQueue<string> events = new();
    private readonly RecordingSystemCalls calls;
    private readonly string root;

    public FileConsensusDurabilityTests()
    {
        calls = new RecordingSystemCalls(events);
        root = temp.Join("store");
    }

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Opening_writing_and_truncating_leave_no_change_unsynced()
    {
        var consensus = Open();
        Assert.Empty(Unsynced());

        for (var seqNo = 0; seqNo < 3; seqNo++)
        {
            Assert.Equal(CasResult.Committed(seqNo), await consensus.CompareAndSetAsync("k", seqNo == 0 ? null : seqNo - 1, Entry(seqNo)));
            Assert.Empty(Unsynced());
        }

        Assert.Equal(2, await consensus.TruncateAsync("k", 2));
        Assert.Empty(Unsynced());
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task Opening_makes_its_clean_up_of_crashed_writers_durable(bool temporary, bool gap)
    {
        Assert.Equal(CasResult.Committed(0), await Open().CompareAndSetAsync("k", null, Entry(0)));
        Assert.Equal(CasResult.Committed(1), await Open().CompareAndSetAsync("k", 0, Entry(1)));
        Assert.Equal(CasResult.Committed(2), await Open().CompareAndSetAsync("k", 1, Entry(2)));
        var key = KeyDirectory(root, "k");

        // A crash left a temporary, or a power loss kept the deletion of entry 1 but not that of entry 0.
        var removed = temporary ? Path.Join(key, ".tmp-crashed") : Path.Join(key, Name(0));
        if (temporary)
        {
            File.WriteAllBytes(removed, [1]);
        }

        if (gap)
        {
            File.Delete(Path.Join(key, Name(1)));
        }

        events.Clear();

        _ = Open();

        Assert.Contains($"{nameof(ConsensusFileOperation.Delete)} {removed}", events);
        Assert.Empty(Unsynced());
    }

    [Fact]
    public async Task Opening_syncs_the_root_in_case_a_key_directorys_creator_crashed_before_it_did()
    {
        Directory.CreateDirectory(KeyDirectory(root, "k"));
        events.Clear();

        var consensus = Open();

        Assert.Contains($"fsync {root}", events);
        Assert.Null(await consensus.HeadAsync("k"));
    }

    [Fact]
    public async Task A_reader_makes_what_it_hands_out_durable_though_its_writer_could_not()
    {
        var consensus = Open();
        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("k", null, Entry(0)));
        calls.Fsyncs.Enqueue(5);
        await Assert.ThrowsAsync<IndeterminateConsensusException>(() => consensus.CompareAndSetAsync("k", 0, Entry(1)));
        Assert.Equal([KeyDirectory(root, "k")], Unsynced());

        Assert.Equal(Entry(1), await Open().HeadAsync("k"));

        Assert.Empty(Unsynced());
        calls.Fsyncs.Enqueue(5);
        await Assert.ThrowsAsync<IndeterminateConsensusException>(() => consensus.CompareAndSetAsync("k", 1, Entry(2)));
        Assert.Equal([KeyDirectory(root, "k")], Unsynced());

        Assert.Equal([Entry(1), Entry(2)], await Open().ScanAsync("k", 1, 10).ToListAsync());

        Assert.Empty(Unsynced());
    }

    private FileConsensus Open() => new(root, new FaultingConsensusFiles(events), calls: calls);

    /// <summary>The directories with a change traced after their last fsync.</summary>
    private string[] Unsynced()
    {
        var pending = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var entry in events)
        {
            var space = entry.IndexOf(' ', StringComparison.Ordinal);
            var (kind, path) = (entry[..space], entry[(space + 1)..]);
            if (kind == "fsync")
            {
                pending.Remove(path);
            }
            else if (Changes.Contains(kind))
            {
                pending.Add(Path.GetDirectoryName(path)!);
            }
        }

        return [.. pending];
    }
}
