using Bulwark.Checkpoints;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Storage;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// The local backend's hidden temporaries (".&lt;name&gt;.&lt;16 hex&gt;.tmp") that a SIGKILL leaves: inside a commit
/// (a catalog or shared file written, never renamed into place) and inside a checkpoint directory's removal (renamed
/// away, not yet deleted). The kill soak found them piling up, never reclaimed by a reopen. Each is laid out here as the
/// kill leaves it, named by the backend's own naming, then the store is reopened.
/// </summary>
public sealed class AbandonedTemporaryTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Store => _temp.Join("store");

    [Fact]
    public async Task Reopening_deletes_the_temporaries_killed_commits_and_removals_left_at_the_root_and_keeps_everything_else()
    {
        Guid first, second;
        await using (var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(Store)))
        {
            first = (await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("one")).AddSharedFile("batch-1.bin", Bytes("batch one")))).Id;
            second = (await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("two")).ReferenceSharedFile("batch-1.bin"))).Id;
        }

        // Killed inside a commit: the catalog and a new shared file written to their temporaries, neither renamed.
        var catalogTemporary = PlantFile(Store, StorageNames.NewTemporaryName(Checkpointer.CatalogFileName), "{\"formatVersion\":1,\"checkp");
        var sharedTemporary = PlantFile(Store, StorageNames.NewTemporaryName("batch-3.bin"), "half a batch");

        // Killed inside a collection's removal of a checkpoint directory: renamed away, part of its content deleted.
        var trash = Path.Join(Store, StorageNames.NewTemporaryName(Guid.CreateVersion7().ToString("D")));
        Directory.CreateDirectory(trash);
        PlantFile(trash, Checkpointer.ManifestFileName, "{}");

        // Not temporaries of the backend's form, or not at the root: none of them is the checkpointer's to delete.
        string[] keep =
        [
            PlantFile(Store, ".checkpoints.json.tmp", "no random part"),
            PlantFile(Store, ".batch-4.bin.0123456789ABCDEF.tmp", "upper-case hex"),
            PlantFile(Store, "notes.tmp", "not hidden"),
            PlantFile(Store, ".hidden", "not a temporary"),
            PlantFile(_temp.Join("elsewhere"), StorageNames.NewTemporaryName("batch-5.bin"), "in a sibling of the store"),
            PlantFile(_temp.Path, StorageNames.NewTemporaryName("store"), "beside the store, named like its own trash"),
            PlantFile(Path.Join(Store, "other"), StorageNames.NewTemporaryName("x"), "below the root, in a directory that is no checkpoint"),
        ];

        using var factory = new TestMeterFactory();
        using var counters = new MeterTotals(factory, CheckpointMetrics.MeterName);
        await using (var reopened = await Checkpointer.OpenAsync(new LocalFileSystemBackend(Store), new CheckpointerOptions { MeterFactory = factory }))
        {
            // Counted as deletions like a collection's: the two temporaries and the renamed-away directory.
            Assert.Equal(3, counters.Sum(CheckpointMetrics.GcDeletions));
            Assert.False(File.Exists(catalogTemporary), "the catalog's temporary survived the reopen");
            Assert.False(File.Exists(sharedTemporary), "the shared file's temporary survived the reopen");
            Assert.False(Directory.Exists(trash), "the removed checkpoint directory's temporary survived the reopen");
            Assert.All(keep, path => Assert.True(File.Exists(path), $"'{path}' was deleted"));

            // The committed store is untouched: both checkpoints restore with their state and the shared file's bytes.
            Assert.Equal([first, second], reopened.Checkpoints.Select(c => c.Id));
            foreach (var (id, state) in new[] { (first, "one"), (second, "two") })
            {
                var restored = await reopened.RestoreAsync(id);
                Assert.True(restored.TryGetState("op", out var bytes));
                Assert.Equal(state, System.Text.Encoding.UTF8.GetString(bytes.Span));
                Assert.Equal(Bytes("batch one"), await restored.ReadSharedFileAsync("batch-1.bin"));
            }
        }

        Assert.Equal(
            new[] { ".batch-4.bin.0123456789ABCDEF.tmp", ".checkpoints.json.tmp", ".hidden", Checkpointer.CatalogFileName, Checkpointer.LockFileName, first.ToString("D"), second.ToString("D"), "batch-1.bin", "notes.tmp", "other" }.Order(StringComparer.Ordinal),
            Directory.EnumerateFileSystemEntries(Store).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_first_open_killed_while_writing_the_catalog_leaves_a_temporary_the_next_open_deletes()
    {
        var catalogTemporary = PlantFile(Store, StorageNames.NewTemporaryName(Checkpointer.CatalogFileName), "{\"formatVersion\":1");

        await using var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(Store));

        Assert.Empty(checkpointer.Checkpoints);
        Assert.False(File.Exists(catalogTemporary), "the catalog's temporary survived the open of an empty store");
        Assert.True(File.Exists(Path.Join(Store, Checkpointer.CatalogFileName)));
    }

    [Fact]
    public async Task Without_the_store_lock_nothing_is_deleted()
    {
        // The historical protocol without store ownership: another writer may have a temporary open right now.
        var options = new CheckpointerOptions { Deviations = ProtocolDeviation.NoStoreOwnership };
        await (await Checkpointer.OpenAsync(new LocalFileSystemBackend(Store), options)).DisposeAsync();
        var sharedTemporary = PlantFile(Store, StorageNames.NewTemporaryName("batch-1.bin"), "another writer's, in flight");

        await using var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(Store), options);

        Assert.True(File.Exists(sharedTemporary), "a temporary was deleted by a checkpointer that holds no lock");
    }

    private static string PlantFile(string directory, string name, string content)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Join(directory, name);
        File.WriteAllText(path, content);
        return path;
    }
}
