using Microsoft.CodeAnalysis;

namespace Bulwark.Analyzers.Tests;

/// <summary>
/// BWK1005 across the methods of one type: a keep-set filled with swallowed read errors in one method (a field, a
/// returned set, a set passed on) and a recovery method of the same type that deletes what the set does not hold; and
/// the neighbours that must stay silent.
/// </summary>
public sealed class Bwk1005CrossMethodTests
{
    private static Task VerifyAsync(string markup) => AnalyzerHarness.VerifyAsync(markup, new SwallowedFailureInKeepSetAnalyzer());

    private const string Usings = """
        using System.Collections.Concurrent;
        using Bulwark.Storage;
        using Microsoft.Extensions.Logging;

        sealed record CommitMetadata(string Id, string[] Files);

        """;

    private const string Store = """
        partial class CommitStore
        {
            private readonly ILogger _logger = null!;
            private readonly IStorageBackend _backend = null!;
            private readonly string _root = "";
            private HashSet<string> _live = new();
            private bool _loadFailed;
            string LoadCommitMetadata(string commit) => throw new IOException(commit);
            CommitMetadata ReadMetadata(string commit) => throw new IOException(commit);

        """;

    private static string InStore(string members) => Usings + Store + members + "\n}\n";

    // ---- positive ----

    [Fact]
    public Task Field_filled_with_an_empty_catch_then_a_recovery_method_deletes_the_rest() => VerifyAsync(InStore("""
            public void Load(string[] commits)
            {
                foreach (var c in commits)
                {
                    try { _live.Add(LoadCommitMetadata(c)); }
                    [|catch { }|]
                }
            }

            public void RemoveStaleCommits()
            {
                foreach (var directory in Directory.GetDirectories(_root))
                {
                    if (!_live.Contains(Path.GetFileName(directory)))
                    {
                        Directory.Delete(directory, recursive: true);
                    }
                }
            }
        """));

    [Fact]
    public Task Returned_set_stored_in_a_field_by_the_caller() => VerifyAsync(InStore("""
            public void Open(string[] commits) => _live = LoadLive(commits);

            private HashSet<string> LoadLive(string[] commits)
            {
                var live = new HashSet<string>();
                foreach (var c in commits)
                {
                    try
                    {
                        live.UnionWith(ReadMetadata(c).Files);
                    }
                    [|catch (IOException e)
                    {
                        _logger.LogWarning(e, "skipping commit {Commit}", c);
                    }|]
                }

                return live;
            }

            public void Recover()
            {
                foreach (var file in Directory.EnumerateFiles(_root))
                {
                    if (_live.Contains(file)) continue;
                    File.Delete(file);
                }
            }
        """));

    [Fact]
    public Task Returned_set_passed_on_to_a_method_that_deletes_through_the_backend() => VerifyAsync(InStore("""
            public async Task RecoverAsync(string[] commits, string[] files, CancellationToken ct)
            {
                var live = LoadLive(commits);
                await RemoveStaleAsync(live, files, ct);
            }

            private HashSet<string> LoadLive(string[] commits)
            {
                var live = new HashSet<string>();
                foreach (var c in commits)
                {
                    try { live.Add(LoadCommitMetadata(c)); }
                    [|catch (Exception) { continue; }|]
                }

                return live;
            }

            private async Task RemoveStaleAsync(ISet<string> keep, string[] files, CancellationToken ct)
            {
                foreach (var file in files.Except(keep))
                {
                    await _backend.DeleteAsync(file, ct);
                }
            }
        """));

    [Fact]
    public Task Local_set_copied_into_a_field_and_deleted_through_a_helper_of_the_type() => VerifyAsync(InStore("""
            public void Load(string[] commits)
            {
                var keep = new HashSet<string>();
                foreach (var c in commits)
                {
                    try { keep.Add(LoadCommitMetadata(c)); }
                    [|catch (IOException) { }|]
                }

                _live = keep;
            }

            public void RemoveStaleCommits()
            {
                foreach (var directory in Directory.GetDirectories(_root).Select(Path.GetFileName))
                {
                    if (!_live.Contains(directory!)) DeleteCommit(directory!);
                }
            }

            private void DeleteCommit(string id) => Directory.Delete(Path.Combine(_root, id), recursive: true);
        """));

    [Fact]
    public Task Concurrent_dictionary_field_filled_in_a_parallel_loop_and_a_partial_declaration_deletes() => VerifyAsync(Usings + """
        partial class Recovery
        {
            private readonly ConcurrentDictionary<string, CommitMetadata> _commits = new();
            CommitMetadata ReadMetadata(string commit) => throw new IOException(commit);

            public void Load(string[] ids) => Parallel.ForEach(ids, id =>
            {
                try { _commits[id] = ReadMetadata(id); }
                [|catch (UnauthorizedAccessException) { }|]
            });
        }

        partial class Recovery
        {
            public void Recover(DirectoryInfo root)
            {
                foreach (var directory in root.EnumerateDirectories())
                {
                    if (!_commits.ContainsKey(directory.Name)) directory.Delete(true);
                }
            }
        }
        """);

    [Fact]
    public Task Success_filter_stored_in_a_field() => VerifyAsync(Usings + """
        sealed record LoadResult(string Id, bool Succeeded);

        class Checkpoints
        {
            private HashSet<string> _live = new();
            LoadResult Load(string id) => throw new IOException(id);

            public void Open(string[] ids) => _live = ids.Select(Load).[|Where(r => r.Succeeded)|].Select(r => r.Id).ToHashSet();

            public void Collect(string root) =>
                Directory.EnumerateDirectories(root).Where(d => !_live.Contains(d)).ToList().ForEach(d => Directory.Delete(d, true));
        }
        """);

    [Fact]
    public async Task Message_names_the_method_that_deletes()
    {
        var diagnostic = Assert.Single(await AnalyzerHarness.GetDiagnosticsAsync(InStore("""
                public void Load(string[] commits)
                {
                    foreach (var c in commits)
                    {
                        try { _live.Add(LoadCommitMetadata(c)); }
                        catch { }
                    }
                }

                public void RemoveStaleCommits()
                {
                    foreach (var directory in Directory.GetDirectories(_root))
                    {
                        if (!_live.Contains(directory)) Directory.Delete(directory, true);
                    }
                }
            """), new SwallowedFailureInKeepSetAnalyzer()));

        Assert.Equal(("BWK1005", "catch { }"), (diagnostic.Id, diagnostic.SpanText));
        Assert.StartsWith("'catch { }' drops failures from a set that 'RemoveStaleCommits' later uses to decide deletions", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_diagnostic_when_the_set_decides_deletions_in_its_own_method_and_in_another()
    {
        var diagnostic = Assert.Single(await AnalyzerHarness.GetDiagnosticsAsync(InStore("""
                public void Collect(string[] commits, string[] files)
                {
                    var keep = new HashSet<string>();
                    foreach (var c in commits)
                    {
                        try { keep.Add(LoadCommitMetadata(c)); }
                        catch { continue; }
                    }

                    foreach (var file in files.Where(f => !keep.Contains(f))) File.Delete(file);
                    _live = keep;
                }

                public void RemoveStaleCommits()
                {
                    foreach (var directory in Directory.GetDirectories(_root).Where(d => !_live.Contains(d))) Directory.Delete(directory, true);
                }
            """), new SwallowedFailureInKeepSetAnalyzer()));

        Assert.Contains("'Collect' later uses", diagnostic.Message, StringComparison.Ordinal);
    }

    // ---- silent neighbours ----

    [Fact]
    public Task Catch_that_rethrows() => VerifyAsync(InStore("""
            public void Load(string[] commits)
            {
                foreach (var c in commits)
                {
                    try { _live.Add(LoadCommitMetadata(c)); }
                    catch (IOException e) { throw new InvalidDataException($"commit {c} is unreadable; recovery stops", e); }
                }
            }

            public void RemoveStaleCommits()
            {
                foreach (var directory in Directory.GetDirectories(_root).Where(d => !_live.Contains(d))) Directory.Delete(directory, true);
            }
        """));

    [Fact]
    public Task Catch_that_keeps_the_unreadable_commit() => VerifyAsync(InStore("""
            public void Load(string[] commits)
            {
                foreach (var c in commits)
                {
                    try { _live.Add(LoadCommitMetadata(c)); }
                    catch (IOException) { _live.Add(c); }
                }
            }

            public void RemoveStaleCommits()
            {
                foreach (var directory in Directory.GetDirectories(_root).Where(d => !_live.Contains(d))) Directory.Delete(directory, true);
            }
        """));

    [Fact]
    public Task Catch_that_sets_a_flag_the_recovery_checks() => VerifyAsync(InStore("""
            public void Load(string[] commits)
            {
                foreach (var c in commits)
                {
                    try { _live.Add(LoadCommitMetadata(c)); }
                    catch (IOException e)
                    {
                        _logger.LogWarning(e, "commit {Commit} unreadable; no stale commit will be removed", c);
                        _loadFailed = true;
                    }
                }
            }

            public void RemoveStaleCommits()
            {
                if (_loadFailed) return;
                foreach (var directory in Directory.GetDirectories(_root).Where(d => !_live.Contains(d))) Directory.Delete(directory, true);
            }
        """));

    [Fact]
    public Task Field_never_decides_a_deletion() => VerifyAsync(InStore("""
            public void Load(string[] commits)
            {
                foreach (var c in commits)
                {
                    try { _live.Add(LoadCommitMetadata(c)); }
                    catch { }
                }
            }

            public bool IsLive(string commit) => _live.Contains(commit);

            public void RemoveTemporaryFiles()
            {
                _logger.LogInformation("{Count} live commits", _live.Count);
                foreach (var file in Directory.GetFiles(_root, "*.tmp")) File.Delete(file);
            }
        """));

    [Fact]
    public Task Deleting_what_the_set_holds_is_the_safe_direction() => VerifyAsync(InStore("""
            public void LoadExpired(string[] commits)
            {
                foreach (var c in commits)
                {
                    try { _live.Add(LoadCommitMetadata(c)); }
                    catch (IOException) { }
                }
            }

            public async Task DeleteExpiredAsync(CancellationToken ct)
            {
                foreach (var commit in _live) await _backend.DeleteDirectoryAsync(commit, ct);
            }
        """));

    [Fact]
    public Task Catch_of_not_found_only_means_the_commit_never_landed() => VerifyAsync(InStore("""
            public void Load(string[] commits)
            {
                foreach (var c in commits)
                {
                    try { _live.Add(LoadCommitMetadata(c)); }
                    catch (FileNotFoundException) { }
                    catch (DirectoryNotFoundException) { continue; }
                }
            }

            public void Collect(string[] manifests, string[] files)
            {
                var keep = new HashSet<string>();
                foreach (var m in manifests)
                {
                    try { keep.UnionWith(ReadMetadata(m).Files); }
                    catch (FileNotFoundException) { continue; }
                }

                foreach (var file in files.Where(f => !keep.Contains(f))) File.Delete(file);
            }

            public void RemoveStaleCommits()
            {
                foreach (var directory in Directory.GetDirectories(_root).Where(d => !_live.Contains(d))) Directory.Delete(directory, true);
            }
        """));

    [Fact]
    public Task Deleting_method_in_another_type() => VerifyAsync(Usings + """
        class CommitIndex
        {
            private readonly HashSet<string> _live = new();
            string LoadCommitMetadata(string commit) => throw new IOException(commit);

            public IReadOnlySet<string> Live => _live;

            public void Load(string[] commits)
            {
                foreach (var c in commits)
                {
                    try { _live.Add(LoadCommitMetadata(c)); }
                    catch { }
                }
            }

            public sealed class Janitor(CommitIndex index)
            {
                public void Sweep(string root)
                {
                    foreach (var directory in Directory.GetDirectories(root).Where(d => !index._live.Contains(d))) Directory.Delete(directory, true);
                }
            }
        }

        class Recovery(CommitIndex index)
        {
            public void RemoveStaleCommits(string root)
            {
                foreach (var directory in Directory.GetDirectories(root).Where(d => !index.Live.Contains(d))) Directory.Delete(directory, true);
            }
        }
        """);

    [Fact]
    public Task Helper_that_deletes_something_other_than_its_argument_is_no_deletion_of_it() => VerifyAsync(InStore("""
            public void Load(string[] commits)
            {
                foreach (var c in commits)
                {
                    try { _live.Add(LoadCommitMetadata(c)); }
                    catch { }
                }
            }

            public void Report(string[] candidates)
            {
                foreach (var candidate in candidates.Where(c => !_live.Contains(c))) Note(candidate);
            }

            private void Note(string commit)
            {
                _logger.LogInformation("{Commit} is not live", commit);
                File.Delete(Path.Combine(_root, "report.tmp"));
            }
        """));

    [Fact]
    public Task Swallowed_failure_in_top_level_statements_is_still_reported() => new LibraryTest([new SwallowedFailureInKeepSetAnalyzer()])
    {
        // Analysed per type now: the statements' synthesized Program type must still be visited.
        TestState = { OutputKind = OutputKind.ConsoleApplication },
        TestCode = """
        var keep = new HashSet<string>();
        foreach (var manifest in args)
        {
            try { keep.UnionWith(File.ReadAllLines(manifest)); }
            [|catch (IOException) { continue; }|]
        }

        foreach (var file in Directory.GetFiles(".").Where(f => !keep.Contains(f))) File.Delete(file);
        """,
    }.WithImplicitUsings().RunAsync();
}
