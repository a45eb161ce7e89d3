using Bulwark.Storage;
using Xunit;

namespace Bulwark.Runtime.Tests.Storage;

/// <summary>
/// Another process deleting entries while a directory is listed (one shard writer's collection listing parts the other
/// writer's collection deletes). The directory read hands out entries it already fetched in one batch, and each entry
/// is looked at (stat) only when the enumeration reaches it; the backend's <c>EntryListed</c> seam runs between two
/// entries, so the test deletes the entries still to come there, after the directory read returned them and before
/// they are looked at: the window a real race hits only by chance, every time.
/// </summary>
public sealed class ListingRaceTests : IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly LocalFileSystemBackend backend;

    public ListingRaceTests() => backend = new LocalFileSystemBackend(temp.Join("root"));

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Files_deleted_after_the_directory_read_are_left_out_of_the_listing()
    {
        for (var i = 0; i < 6; i++)
        {
            await WriteAsync($"d/f{i}", i + 1);
        }

        // On Windows the directory read itself carries each size: nothing is looked up later that could fail.
        await AssertListedWithoutDeletedAsync(["d/f1", "d/f2", "d/f3", "d/f4"], path => File.Delete(path), deletedMayBeListed: OperatingSystem.IsWindows());
    }

    [Fact]
    public async Task Directories_removed_after_the_directory_read_do_not_fail_the_listing()
    {
        await WriteAsync("d/f0", 1);
        await WriteAsync("d/f1", 2);
        for (var i = 0; i < 4; i++)
        {
            await WriteAsync($"d/sub{i}/inner", 1);
        }

        // Nothing is looked up for a directory entry (the directory read says it is one), so a removed one may still be
        // listed as it was read; what matters is that the listing neither fails nor loses or alters what stayed.
        await AssertListedWithoutDeletedAsync(["d/sub0", "d/sub1", "d/sub2", "d/sub3"], path => Directory.Delete(path, recursive: true), deletedMayBeListed: true);
    }

    /// <summary>
    /// Lists "d" and, when the first entry comes, deletes every one of <paramref name="victims"/> but that entry. Then
    /// requires that the enumeration did hand out a deleted entry afterwards (the window was really hit) and that the
    /// listing is exactly what remained, with the right kinds and sizes; with <paramref name="deletedMayBeListed"/> a
    /// deleted entry may also be listed as the directory read returned it.
    /// </summary>
    private async Task AssertListedWithoutDeletedAsync(string[] victims, Action<string> delete, bool deletedMayBeListed)
    {
        var before = await backend.ListAsync("d");
        var deleted = new HashSet<string>(StringComparer.Ordinal);
        var handedOutAfterDeletion = new List<string>();
        backend.EntryListed = path =>
        {
            if (deleted.Count == 0)
            {
                foreach (var victim in victims.Where(v => v != path))
                {
                    delete(temp.Join("root", victim));
                    deleted.Add(victim);
                }
            }
            else if (deleted.Contains(path))
            {
                handedOutAfterDeletion.Add(path);
            }
        };

        var listed = await backend.ListAsync("d");
        backend.EntryListed = null;

        Assert.Equal(victims.Length - 1, deleted.Count);
        Assert.True(handedOutAfterDeletion.Count > 0, "the directory read handed out no entry deleted after it, so the window was not hit");
        var listedNow = listed.Where(e => !deletedMayBeListed || !deleted.Contains(e.Path));
        Assert.Equal(before.Where(e => !deleted.Contains(e.Path)).Select(e => (e.Path, e.IsDirectory, e.Length)), listedNow.Select(e => (e.Path, e.IsDirectory, e.Length)));
    }

    private async Task WriteAsync(string path, int length)
    {
        await using var pending = await backend.CreateAsync(path);
        pending.Write(new byte[length]);
        await pending.CommitAsync();
    }
}
