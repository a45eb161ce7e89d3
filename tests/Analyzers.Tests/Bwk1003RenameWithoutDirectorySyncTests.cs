namespace Bulwark.Analyzers.Tests;

/// <summary>BWK1003: a rename must be followed by a directory sync on every normal path out of the method.</summary>
public sealed class Bwk1003RenameWithoutDirectorySyncTests
{
    private const string Usings = """
        using Bulwark;
        using Bulwark.Storage;

        """;

    private const string SyncHelper = """

        static class Fs
        {
            public static void SyncDirectory(string path)
            {
                using var directory = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
                RandomAccess.FlushToDisk(directory);
            }

            public static Task FsyncDirectoryAsync(string path) => Task.Run(() => SyncDirectory(path));
        }
        """;

    private static Task VerifyAsync(string markup) => AnalyzerHarness.VerifyAsync(Usings + markup + SyncHelper, new RenameWithoutDirectorySyncAnalyzer());

    // ---- positive ----

    [Fact]
    public async Task File_move_with_no_sync_at_all()
    {
        await VerifyAsync("""
            class C
            {
                void M(string from, string to) => [|File.Move(from, to, overwrite: true)|];
            }
            """);

        var diagnostic = Assert.Single(await AnalyzerHarness.GetDiagnosticsAsync("class C { void M() { File.Move(\"a\", \"b\"); } }", new RenameWithoutDirectorySyncAnalyzer()));
        Assert.Equal(
            "'File.Move' changes a directory entry but the directory is not synced afterwards; after a crash the rename may vanish, so sync the directory (IStorageBackend.SyncDirectoryAsync) or let a backend do the rename",
            diagnostic.Message);
    }

    [Fact]
    public async Task File_replace_and_directory_move()
    {
        await VerifyAsync("""
            class C
            {
                void M(string a, string b, string c)
                {
                    [|File.Replace(a, b, c)|];
                    [|Directory.Move(a, b)|];
                }
            }
            """);
    }

    [Fact]
    public async Task FileInfo_and_DirectoryInfo_instance_renames()
    {
        await VerifyAsync("""
            class C
            {
                void M(FileInfo file, DirectoryInfo directory, string to)
                {
                    [|file.MoveTo(to)|];
                    [|file.Replace(to, null)|];
                    [|directory.MoveTo(to)|];
                }
            }
            """);
    }

    [Fact]
    public async Task Sync_only_in_one_branch()
    {
        await VerifyAsync("""
            class C
            {
                void M(string from, string to, bool durable)
                {
                    [|File.Move(from, to)|];
                    if (durable)
                    {
                        Fs.SyncDirectory(Path.GetDirectoryName(to)!);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Early_return_before_the_sync()
    {
        await VerifyAsync("""
            class C
            {
                async Task M(IStorageBackend backend, string from, string to, bool quick)
                {
                    [|File.Move(from, to)|];
                    if (quick)
                    {
                        return;
                    }

                    await backend.SyncDirectoryAsync("");
                }
            }
            """);
    }

    [Fact]
    public async Task Sync_before_the_rename_does_not_count()
    {
        await VerifyAsync("""
            class C
            {
                void M(string from, string to)
                {
                    Fs.SyncDirectory(".");
                    [|File.Move(from, to)|];
                }
            }
            """);
    }

    [Fact]
    public async Task A_RequiresDirectorySync_method_of_the_users_own()
    {
        await VerifyAsync("""
            class Store
            {
                [RequiresDirectorySync]
                public virtual void Publish(string name) { }
            }

            class DerivedStore : Store
            {
                public override void Publish(string name) { }
            }

            class C
            {
                void M(Store store, DerivedStore derived)
                {
                    [|store.Publish("a")|];
                    [|derived.Publish("b")|];
                }
            }
            """);
    }

    [Fact]
    public async Task Rename_in_a_loop_whose_sync_is_skipped_by_continue()
    {
        await VerifyAsync("""
            class C
            {
                void M(string[] names)
                {
                    foreach (var name in names)
                    {
                        [|File.Move(name + ".tmp", name)|];
                        if (name.Length > 3)
                        {
                            continue;
                        }

                        Fs.SyncDirectory(".");
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Rename_inside_a_lambda_with_the_sync_outside_it()
    {
        await VerifyAsync("""
            class C
            {
                void M(string from, string to)
                {
                    Action rename = () => [|File.Move(from, to)|];
                    rename();
                    Fs.SyncDirectory(".");
                }
            }
            """);
    }

    [Fact]
    public async Task Swallowed_failure_path_skips_the_sync()
    {
        await VerifyAsync("""
            class C
            {
                void M(string from, string to)
                {
                    try
                    {
                        [|File.Move(from, to)|];
                        Fs.SyncDirectory(".");
                    }
                    catch (IOException)
                    {
                        Console.WriteLine("sync failed");
                    }
                }
            }
            """);
    }

    // ---- negative look-alikes ----

    [Fact]
    public async Task Sync_after_in_the_same_block()
    {
        await VerifyAsync("""
            class C
            {
                async Task M(IStorageBackend backend, string from, string to, CancellationToken ct)
                {
                    File.Move(from, to);
                    Directory.Move(from, to);
                    await backend.SyncDirectoryAsync("dir", ct).ConfigureAwait(false);
                }

                async Task N(string from, string to)
                {
                    File.Replace(from, to, null);
                    await Fs.FsyncDirectoryAsync(".");
                }
            }
            """);
    }

    [Fact]
    public async Task Sync_in_both_branches()
    {
        await VerifyAsync("""
            class C
            {
                void M(string from, string to, bool flag)
                {
                    File.Move(from, to);
                    if (flag)
                    {
                        Fs.SyncDirectory("a");
                    }
                    else
                    {
                        Fs.SyncDirectory("b");
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Sync_in_a_finally()
    {
        await VerifyAsync("""
            class C
            {
                int M(string from, string to, bool early)
                {
                    try
                    {
                        File.Move(from, to);
                        if (early)
                        {
                            return 1;
                        }
                    }
                    finally
                    {
                        Fs.SyncDirectory(".");
                    }

                    return 2;
                }
            }
            """);
    }

    [Fact]
    public async Task A_throw_after_the_rename_is_not_a_path_the_caller_relies_on()
    {
        await VerifyAsync("""
            class C
            {
                void M(string from, string to)
                {
                    File.Move(from, to);
                    if (!File.Exists(to))
                    {
                        throw new IOException("rename lost");
                    }

                    Fs.SyncDirectory(".");
                }
            }
            """);
    }

    [Fact]
    public async Task Inside_a_storage_backend_or_pending_file_the_caller_syncs()
    {
        await VerifyAsync("""
            abstract class MyBackend : IStorageBackend
            {
                public abstract string Description { get; }
                public abstract ValueTask<PendingFile> CreateAsync(string path, CancellationToken cancellationToken = default);
                public abstract ValueTask<PendingFile> CreateNewAsync(string path, CancellationToken cancellationToken = default);
                public abstract ValueTask CreateDirectoryAsync(string directory, CancellationToken cancellationToken = default);
                public abstract ValueTask SyncDirectoryAsync(string directory, CancellationToken cancellationToken = default);
                public abstract ValueTask<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default);
                public abstract ValueTask<byte[]> ReadAllBytesAsync(string path, long maxBytes = int.MaxValue, CancellationToken cancellationToken = default);
                public abstract ValueTask<StorageEntry?> GetEntryAsync(string path, CancellationToken cancellationToken = default);
                public abstract ValueTask<IReadOnlyList<StorageEntry>> ListAsync(string directory, CancellationToken cancellationToken = default);
                public abstract ValueTask<bool> DeleteAsync(string path, CancellationToken cancellationToken = default);
                public abstract ValueTask<StorageLock> AcquireLockAsync(string path, StorageLockOwner owner, CancellationToken cancellationToken = default);

                public async ValueTask RenameDurablyAsync(string from, string to)
                {
                    File.Move(from, to);
                    await SyncDirectoryAsync("");
                }

                public ValueTask<bool> DeleteDirectoryAsync(string directory, CancellationToken cancellationToken = default)
                {
                    Directory.Move(directory, directory + ".trash");
                    return ValueTask.FromResult(true);
                }

                private sealed class Pending : PendingFile
                {
                    public Pending(string path) : base(path) { }
                    public override Stream Stream => Stream.Null;
                    public override ValueTask CommitAsync(CancellationToken cancellationToken = default)
                    {
                        File.Move(Path + ".tmp", Path);
                        return ValueTask.CompletedTask;
                    }

                    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
                }
            }
            """);
    }

    [Fact]
    public async Task A_method_that_is_itself_RequiresDirectorySync_hands_the_sync_to_its_callers()
    {
        await VerifyAsync("""
            class Store
            {
                [RequiresDirectorySync]
                public void Publish(string from, string to) => File.Move(from, to);

                public void PublishDurably(string from, string to)
                {
                    Publish(from, to);
                    Fs.SyncDirectory(Path.GetDirectoryName(to)!);
                }
            }
            """);
    }

    [Fact]
    public async Task Generated_code()
    {
        await AnalyzerHarness.VerifyAsync("// <auto-generated/>\n" + Usings + """
            class C
            {
                void M(string from, string to) => File.Move(from, to);
            }
            """, new RenameWithoutDirectorySyncAnalyzer());
    }

    [Fact]
    public async Task Methods_named_Move_or_Replace_on_unrelated_types()
    {
        await VerifyAsync("""
            class Piece { public void Move(string a, string b) { } public void MoveTo(string a) { } }

            class C
            {
                void M(Piece piece, string text)
                {
                    piece.Move("a", "b");
                    piece.MoveTo("c");
                    _ = text.Replace("a", "b");
                    File.Copy("a", "b");
                    File.Delete("a");
                }
            }
            """);
    }

    [Fact]
    public async Task Sync_run_by_a_helper_that_takes_a_lambda()
    {
        await VerifyAsync("""
            class C
            {
                static async Task Step(Func<Task> action) => await action();

                async Task M(IStorageBackend backend, string from, string to, CancellationToken ct)
                {
                    File.Move(from, to);
                    await Step(async () => await backend.SyncDirectoryAsync("", ct));
                }
            }
            """);
    }

    [Fact]
    public async Task Sync_after_a_loop_of_renames()
    {
        await VerifyAsync("""
            class C
            {
                void M(string[] names)
                {
                    foreach (var name in names)
                    {
                        File.Move(name + ".tmp", name);
                    }

                    Fs.SyncDirectory(".");
                }
            }
            """);
    }
}
