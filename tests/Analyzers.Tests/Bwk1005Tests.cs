namespace Bulwark.Analyzers.Tests;

/// <summary>BWK1005: failures dropped from a set that then decides deletions, and the look-alikes that must stay silent.</summary>
public sealed class Bwk1005Tests
{
    private static Task VerifyAsync(string markup) => AnalyzerHarness.VerifyAsync(markup, new SwallowedFailureInKeepSetAnalyzer());

    private const string Collector = """
        using System.IO;
        using Bulwark.Storage;
        using Microsoft.Extensions.Logging;

        sealed record Manifest(string Id, string[] Files);
        sealed record LoadResult(string Id, bool Succeeded, Manifest? Manifest, Exception? Error);
        abstract record Outcome(string Id);
        sealed record Loaded(string Id, Manifest Manifest) : Outcome(Id);
        sealed record Broken(string Id, Exception Error) : Outcome(Id);
        enum LoadStatus { Ok, Missing, Corrupt }
        sealed record Attempt(LoadStatus Status, Manifest? Manifest);

        class Collector
        {
            private readonly ILogger _logger = null!;
            Manifest ReadManifest(string directory) => throw new IOException();
            Task<Manifest> ReadManifestAsync(string directory, CancellationToken ct) => throw new IOException();
            Manifest? TryReadManifest(string directory) => null;
            LoadResult Load(string directory) => throw new IOException();
            Outcome Classify(string directory) => throw new IOException();
            Attempt Try(string directory) => throw new IOException();

        """;

    private static string InCollector(string members) => Collector + members + "\n}\n";

    // ---- positive ----

    [Fact]
    public Task Catch_continue_then_delete_what_is_not_kept() => VerifyAsync(InCollector("""
            void Collect(string[] manifests, string[] files)
            {
                var keep = new HashSet<string>();
                foreach (var directory in manifests)
                {
                    Manifest manifest;
                    try
                    {
                        manifest = ReadManifest(directory);
                    }
                    [|catch { continue; }|]

                    keep.UnionWith(manifest.Files);
                }

                foreach (var file in files)
                {
                    if (!keep.Contains(file))
                    {
                        File.Delete(file);
                    }
                }
            }
        """));

    [Fact]
    public Task Typed_catch_continue_and_directory_delete_after_an_earlier_skip() => VerifyAsync(InCollector("""
            void Collect(string[] manifests, string[] directories)
            {
                var referenced = new List<string>();
                foreach (var directory in manifests)
                {
                    try
                    {
                        referenced.AddRange(ReadManifest(directory).Files);
                    }
                    [|catch (IOException) { continue; }|]
                }

                foreach (var directory in directories)
                {
                    if (referenced.Contains(directory)) continue;
                    Directory.Delete(directory, recursive: true);
                }
            }
        """));

    [Fact]
    public Task Empty_catch_and_a_backend_deletion_of_the_set_difference() => VerifyAsync(InCollector("""
            async Task CollectAsync(IStorageBackend backend, string[] manifests, string[] shared, CancellationToken ct)
            {
                var keep = new HashSet<string>();
                foreach (var directory in manifests)
                {
                    Manifest? manifest = null;
                    try
                    {
                        manifest = await ReadManifestAsync(directory, ct);
                    }
                    [|catch (Exception)
                    {
                    }|]

                    if (manifest is not null) keep.UnionWith(manifest.Files);
                }

                var doomed = shared.Except(keep).ToList();
                foreach (var path in doomed)
                {
                    await backend.DeleteAsync(path, ct);
                }
            }
        """));

    [Fact]
    public Task Logged_and_skipped_failure_then_FileInfo_delete() => VerifyAsync(InCollector("""
            void Collect(string[] manifests, DirectoryInfo root)
            {
                var live = new Dictionary<string, Manifest>();
                var i = 0;
                while (i < manifests.Length)
                {
                    var directory = manifests[i++];
                    try
                    {
                        live[directory] = ReadManifest(directory);
                    }
                    [|catch (IOException e) { _logger.LogWarning(e, "skipping {Directory}", directory); }|]
                }

                foreach (var info in root.EnumerateFiles())
                {
                    if (!live.ContainsKey(info.Name)) info.Delete();
                }
            }
        """));

    [Fact]
    public Task Break_out_of_the_gathering_loop_leaves_a_partial_set() => VerifyAsync(InCollector("""
            async Task CollectAsync(IStorageBackend backend, string[] manifests, string[] directories, CancellationToken ct)
            {
                var keep = new HashSet<string>();
                foreach (var directory in manifests)
                {
                    try
                    {
                        keep.Add(ReadManifest(directory).Id);
                    }
                    [|catch (FileNotFoundException) { break; }|]
                }

                await Task.WhenAll(directories.Where(d => !keep.Contains(d)).Select(d => backend.DeleteDirectoryAsync(d, ct).AsTask()));
            }
        """));

    [Fact]
    public Task Where_succeeded_over_results() => VerifyAsync(InCollector("""
            void Collect(string[] manifests, string[] files)
            {
                var results = manifests.Select(Load).ToList();
                var keep = results.[|Where(r => r.Succeeded)|].SelectMany(r => r.Manifest!.Files).ToHashSet();
                foreach (var file in files.Except(keep))
                {
                    File.Delete(file);
                }
            }
        """));

    [Fact]
    public Task Where_without_error_and_where_status_ok() => VerifyAsync(InCollector("""
            void Collect(string[] manifests, string[] files)
            {
                var keep = manifests.Select(Load).[|Where(r => r.Error is null && r.Manifest != null)|].SelectMany(r => r.Manifest!.Files).ToHashSet();
                var more = manifests.Select(Try).[|Where(a => a.Status == LoadStatus.Ok)|].SelectMany(a => a.Manifest!.Files);
                keep.UnionWith(more);
                files.Where(f => !keep.Contains(f)).ToList().ForEach(f => File.Delete(f));
            }
        """));

    [Fact]
    public Task OfType_drops_the_nulls_of_failed_loads() => VerifyAsync(InCollector("""
            async Task CollectAsync(IStorageBackend backend, string[] manifests, string[] directories, CancellationToken ct)
            {
                var loaded = manifests.Select(TryReadManifest).[|OfType<Manifest>()|];
                var ids = new HashSet<string>(loaded.Select(m => m.Id));
                foreach (var directory in directories)
                {
                    if (ids.Contains(directory)) continue;
                    await backend.DeleteDirectoryAsync(directory, ct);
                }
            }
        """));

    [Fact]
    public Task OfType_narrows_outcomes_to_the_success_case() => VerifyAsync(InCollector("""
            void Collect(string[] manifests, string[] files)
            {
                var keep = new HashSet<string>();
                foreach (var loaded in manifests.Select(Classify).[|OfType<Loaded>()|])
                {
                    keep.UnionWith(loaded.Manifest.Files);
                }

                var doomed = new List<string>();
                foreach (var file in files)
                {
                    if (!keep.Contains(file)) doomed.Add(file);
                }

                doomed.ForEach(File.Delete);
            }
        """));

    [Fact]
    public Task Deletion_inside_a_callback_and_completed_tasks_only() => VerifyAsync(InCollector("""
            async Task CollectAsync(IStorageBackend backend, string[] manifests, string[] shared, CancellationToken ct)
            {
                var reads = manifests.Select(m => ReadManifestAsync(m, ct)).ToArray();
                try { await Task.WhenAll(reads); } catch (IOException) { }
                var keep = reads.[|Where(t => t.IsCompletedSuccessfully)|].SelectMany(t => t.Result.Files).ToHashSet();
                foreach (var path in shared)
                {
                    await Step(() => keep.Contains(path) ? ValueTask.FromResult(false) : backend.DeleteAsync(path, ct));
                }
            }

            static async Task Step(Func<ValueTask<bool>> action) => await action();
        """));

    [Fact]
    public Task Swallowing_catch_outside_a_loop_still_drops_the_entry() => VerifyAsync(InCollector("""
            void Collect(string manifest, string[] files)
            {
                var keep = new HashSet<string>();
                try { keep.UnionWith(ReadManifest(manifest).Files); }
                [|catch (IOException) { }|]

                foreach (var file in files.Where(f => !keep.Contains(f))) File.Delete(file);
            }
        """));

    [Fact]
    public Task Set_subtracted_from_the_candidates_by_ExceptWith_and_RemoveWhere() => VerifyAsync(InCollector("""
            void Collect(string[] manifests, string[] files)
            {
                var keep = new HashSet<string>();
                foreach (var directory in manifests)
                {
                    try { keep.UnionWith(ReadManifest(directory).Files); }
                    [|catch (IOException) { }|]
                }

                var doomed = new HashSet<string>(files);
                doomed.ExceptWith(keep);
                var alsoDoomed = files.ToHashSet();
                alsoDoomed.RemoveWhere(keep.Contains);
                foreach (var file in doomed.Concat(alsoDoomed)) File.Delete(file);
            }
        """));

    [Fact]
    public async Task Message_names_the_construct_and_the_method()
    {
        var diagnostic = Assert.Single(await AnalyzerHarness.GetDiagnosticsAsync(InCollector("""
                void CollectGarbage(string[] manifests, string[] files)
                {
                    var keep = new HashSet<string>();
                    foreach (var directory in manifests)
                    {
                        try { keep.UnionWith(ReadManifest(directory).Files); }
                        catch { continue; }
                    }

                    foreach (var file in files.Where(f => !keep.Contains(f))) File.Delete(file);
                }
            """), new SwallowedFailureInKeepSetAnalyzer()));

        Assert.Equal(("BWK1005", "catch { continue; }"), (diagnostic.Id, diagnostic.SpanText));
        Assert.StartsWith("'catch { continue; }' drops failures from a set that 'CollectGarbage' later uses to decide deletions", diagnostic.Message, StringComparison.Ordinal);
    }

    // ---- negative look-alikes ----

    [Fact]
    public Task Catch_that_rethrows() => VerifyAsync(InCollector("""
            void Collect(string[] manifests, string[] files)
            {
                var keep = new HashSet<string>();
                foreach (var directory in manifests)
                {
                    try
                    {
                        keep.UnionWith(ReadManifest(directory).Files);
                    }
                    catch (IOException e)
                    {
                        _logger.LogError(e, "cannot read {Directory}; collecting nothing", directory);
                        throw;
                    }
                }

                foreach (var file in files.Where(f => !keep.Contains(f))) File.Delete(file);
            }
        """));

    [Fact]
    public Task Catch_that_aborts_the_method_before_any_deletion() => VerifyAsync(InCollector("""
            void Collect(string[] manifests, string[] files)
            {
                var keep = new HashSet<string>();
                foreach (var directory in manifests)
                {
                    try
                    {
                        keep.UnionWith(ReadManifest(directory).Files);
                    }
                    catch (IOException)
                    {
                        return;
                    }
                }

                foreach (var file in files.Where(f => !keep.Contains(f))) File.Delete(file);
            }
        """));

    [Fact]
    public Task Keep_set_built_without_filtering() => VerifyAsync(InCollector("""
            void Collect(string[] manifests, string[] files)
            {
                var keep = new HashSet<string>();
                foreach (var directory in manifests)
                {
                    keep.UnionWith(ReadManifest(directory).Files);
                }

                var results = manifests.Select(Load).ToList();
                var all = results.SelectMany(r => r.Manifest?.Files ?? throw new InvalidOperationException(r.Id)).ToHashSet();
                foreach (var file in files.Where(f => !keep.Contains(f) && !all.Contains(f))) File.Delete(file);
            }
        """));

    [Fact]
    public Task Filtering_in_a_method_that_never_deletes() => VerifyAsync(InCollector("""
            HashSet<string> Referenced(string[] manifests)
            {
                var keep = new HashSet<string>();
                foreach (var directory in manifests)
                {
                    try { keep.UnionWith(ReadManifest(directory).Files); }
                    catch { continue; }
                }

                keep.UnionWith(manifests.Select(Load).Where(r => r.Succeeded).Select(r => r.Id));
                return keep;
            }
        """));

    [Fact]
    public Task Success_filter_unrelated_to_the_deletion() => VerifyAsync(InCollector("""
            void Collect(string[] manifests, string temporary)
            {
                var succeeded = manifests.Select(Load).Where(r => r.Succeeded).ToList();
                _logger.LogInformation("{Count} manifests loaded", succeeded.Count);
                if (File.Exists(temporary))
                {
                    File.Delete(temporary);
                }
            }
        """));

    [Fact]
    public Task Deletion_in_generated_code() => VerifyAsync("""
        // <auto-generated/>
        using System.IO;

        class Generated
        {
            string[] Read(string directory) => throw new IOException();

            void Collect(string[] manifests, string[] files)
            {
                var keep = new HashSet<string>();
                foreach (var directory in manifests)
                {
                    try { keep.UnionWith(Read(directory)); }
                    catch { continue; }
                }

                foreach (var file in files.Where(f => !keep.Contains(f))) File.Delete(file);
            }
        }
        """);

    [Fact]
    public Task Failure_keeps_everything_the_entry_might_reference() => VerifyAsync(InCollector("""
            void Collect(string[] manifests, string[] directories)
            {
                var keep = new HashSet<string>();
                foreach (var directory in manifests)
                {
                    try
                    {
                        keep.UnionWith(ReadManifest(directory).Files);
                    }
                    catch (IOException)
                    {
                        keep.Add(directory);
                    }
                }

                foreach (var directory in directories.Where(d => !keep.Contains(d))) Directory.Delete(directory, true);
            }
        """));

    [Fact]
    public Task Failure_recorded_and_checked_before_deleting() => VerifyAsync(InCollector("""
            void Collect(string[] manifests, string[] files)
            {
                var keep = new HashSet<string>();
                var failed = false;
                foreach (var directory in manifests)
                {
                    try { keep.UnionWith(ReadManifest(directory).Files); }
                    catch (IOException) { failed = true; }
                }

                if (failed) return;
                foreach (var file in files.Where(f => !keep.Contains(f))) File.Delete(file);
            }
        """));

    [Fact]
    public Task Where_and_OfType_that_do_not_filter_failures() => VerifyAsync(InCollector("""
            void Collect(DirectoryInfo root, string[] manifests)
            {
                var directories = root.EnumerateFileSystemInfos().OfType<DirectoryInfo>().Where(d => d.Name.Length == 36).ToList();
                var named = manifests.Select(Load).Where(r => r.Id.StartsWith("c")).Select(r => r.Id).ToHashSet();
                foreach (var directory in directories)
                {
                    if (!named.Contains(directory.Name)) directory.Delete(true);
                }
            }
        """));

    [Fact]
    public Task Swallowed_failure_only_in_a_set_used_for_metrics() => VerifyAsync(InCollector("""
            void Collect(string[] manifests, string[] files)
            {
                var sizes = new List<int>();
                var keep = new HashSet<string>();
                foreach (var directory in manifests)
                {
                    var manifest = ReadManifest(directory);
                    keep.UnionWith(manifest.Files);
                    try { sizes.Add(manifest.Files.Sum(f => (int)new FileInfo(f).Length)); }
                    catch (IOException) { continue; }
                }

                _logger.LogInformation("{Total} bytes referenced", sizes.Sum());
                foreach (var file in files.Where(f => !keep.Contains(f))) File.Delete(file);
            }
        """));

    [Fact]
    public Task Best_effort_deletion_loop_that_logs_and_goes_on() => VerifyAsync(InCollector("""
            void Delete(string[] doomed)
            {
                var deleted = new List<string>();
                foreach (var file in doomed)
                {
                    try
                    {
                        File.Delete(file);
                        deleted.Add(file);
                    }
                    catch (IOException e)
                    {
                        _logger.LogWarning(e, "could not delete {File}; the next collection retries", file);
                    }
                }

                _logger.LogInformation("{Count} files deleted", deleted.Count);
            }
        """));

    [Fact]
    public Task Filtered_set_that_says_what_to_delete_is_the_safe_direction() => VerifyAsync(InCollector("""
            void DeleteUploaded(string[] manifests, string[] candidates, DateTime cutoff)
            {
                var uploaded = manifests.Select(Load).Where(r => r.Succeeded).Select(r => r.Id);
                foreach (var local in uploaded) File.Delete(local);

                var expired = new List<string>();
                foreach (var file in candidates)
                {
                    try
                    {
                        if (File.GetLastWriteTimeUtc(file) < cutoff && !expired.Contains(file)) expired.Add(file);
                    }
                    catch (IOException)
                    {
                        continue;
                    }
                }

                foreach (var file in expired) File.Delete(file);
            }
        """));

}
