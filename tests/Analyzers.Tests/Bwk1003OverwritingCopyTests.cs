namespace Bulwark.Analyzers.Tests;

/// <summary>
/// BWK1003 and overwriting copies: <c>File.Copy(…, overwrite: true)</c> and <c>FileInfo.CopyTo(…, true)</c> rewrite a
/// final file in place, so the copied file must be fsynced and its directory synced before the method returns.
/// </summary>
public sealed class Bwk1003OverwritingCopyTests
{
    private static Task VerifyAsync(string markup) => Bwk1003Harness.VerifyAsync(markup);

    [Fact]
    public async Task A_copy_over_the_live_file_with_no_sync_names_the_copy_and_what_is_missing()
    {
        await VerifyAsync("""
            sealed class ConfigStore
            {
                public void Restore(string backup, string live) => [|File.Copy(backup, live, overwrite: true)|];

                public void RestoreDirectoryOnly(string backup, string live)
                {
                    [|File.Copy(backup, live, true)|];
                    Fs.SyncDirectory(Path.GetDirectoryName(live)!);
                }

                public void RestoreFileOnly(FileInfo backup, string live)
                {
                    [|backup.CopyTo(live, true)|];
                    using var copied = new FileStream(live, FileMode.Open, FileAccess.ReadWrite);
                    copied.Flush(flushToDisk: true);
                }
            }
            """);

        var diagnostics = await AnalyzerHarness.GetDiagnosticsAsync(
            Bwk1003Harness.Usings + """
                sealed class C
                {
                    void Neither(string a, string b) => File.Copy(a, b, overwrite: true);

                    void FileOnly(FileInfo a, string b)
                    {
                        a.CopyTo(b, overwrite: true);
                        using var handle = File.OpenHandle(b, FileMode.Open, FileAccess.ReadWrite);
                        RandomAccess.FlushToDisk(handle);
                    }

                    void DirectoryOnly(string a, string b)
                    {
                        File.Copy(a, b, true);
                        Fs.SyncDirectory(".");
                    }
                }
                """ + Bwk1003Harness.SyncHelper,
            new RenameWithoutDirectorySyncAnalyzer());

        const string Advice = " afterwards; after a crash the destination may be empty or torn, so fsync the copied file (FileStream.Flush(true) or RandomAccess.FlushToDisk) and then its directory";
        Assert.Equal(
            [
                "'File.Copy' overwrites its destination but neither the copied file nor its directory is synced" + Advice,
                "'FileInfo.CopyTo' overwrites its destination but its directory is not synced" + Advice,
                "'File.Copy' overwrites its destination but the copied file is not synced" + Advice,
            ],
            diagnostics.Select(d => d.Message));
        Assert.All(diagnostics, d => Assert.Equal("BWK1003", d.Id));
    }

    [Fact]
    public Task A_flush_on_only_one_branch_leaves_the_other_path_unsynced() => VerifyAsync("""
        sealed class C
        {
            void M(string a, string b, bool careful)
            {
                [|File.Copy(a, b, overwrite: true)|];
                if (careful)
                {
                    using var copied = new FileStream(b, FileMode.Open, FileAccess.ReadWrite);
                    copied.Flush(true);
                }

                Fs.SyncDirectory(".");
            }
        }
        """);

    [Fact]
    public Task A_copy_followed_by_an_fsync_of_the_file_and_of_its_directory() => VerifyAsync("""
        sealed class SnapshotPublisher(IStorageBackend backend)
        {
            public async Task PublishAsync(string snapshot, string live, CancellationToken ct)
            {
                File.Copy(snapshot, live, overwrite: true);
                await using (var copied = new FileStream(live, FileMode.Open, FileAccess.ReadWrite))
                {
                    copied.Flush(flushToDisk: true);
                }

                await backend.SyncDirectoryAsync("", ct);
            }

            public void PublishWithHandle(FileInfo snapshot, string live)
            {
                snapshot.CopyTo(live, overwrite: true);
                using (var handle = File.OpenHandle(live, FileMode.Open, FileAccess.ReadWrite))
                {
                    RandomAccess.FlushToDisk(handle);
                }

                Fs.SyncDirectory(Path.GetDirectoryName(live)!);
            }
        }
        """);

    [Fact]
    public Task Copies_that_do_not_overwrite_are_not_judged() => VerifyAsync("""
        sealed class C
        {
            void M(string a, string b, FileInfo file, bool overwrite)
            {
                File.Copy(a, b);
                File.Copy(a, b, overwrite: false);
                File.Copy(a, b, overwrite);
                file.CopyTo(b);
                file.CopyTo(b, false);
            }
        }
        """);

    [Fact]
    public Task A_retried_copy_with_both_syncs_in_the_enclosing_method() => VerifyAsync("""
        sealed class C
        {
            static void Retry(Action action)
            {
                try
                {
                    action();
                }
                catch (IOException)
                {
                    action();
                }
            }

            void M(string a, string b)
            {
                Retry(() => File.Copy(a, b, overwrite: true));
                using (var copied = new FileStream(b, FileMode.Open, FileAccess.ReadWrite))
                {
                    copied.Flush(true);
                }

                Fs.SyncDirectory(".");
            }
        }
        """);
}
