namespace Bulwark.Analyzers.Tests;

/// <summary>BWK1002: every path from a writer's creation must commit it or hand it on.</summary>
public sealed class Bwk1002UncommittedWriterTests
{
    private const string Usings = """
        using Bulwark;
        using Bulwark.Storage;

        """;

    private static Task VerifyAsync(string markup) => AnalyzerHarness.VerifyAsync(Usings + markup, new UncommittedWriterAnalyzer());

    private static async Task<string> MessageAsync(string source)
    {
        var diagnostic = Assert.Single(await AnalyzerHarness.GetDiagnosticsAsync(Usings + source, new UncommittedWriterAnalyzer()));
        return diagnostic.Message;
    }

    // ---- positive: each path that loses the writer ----

    [Fact]
    public async Task Awaited_creation_whose_result_is_discarded()
    {
        await VerifyAsync("""
            class C
            {
                async Task M(IStorageBackend backend, CancellationToken ct)
                {
                    [|await backend.CreateAsync("a", ct)|];
                    _ = [|await backend.CreateAsync("b", ct).ConfigureAwait(false)|];
                }
            }
            """);
    }

    [Fact]
    public async Task Creation_task_discarded_before_it_is_awaited()
    {
        await VerifyAsync("""
            class C
            {
                void M(IStorageBackend backend) => _ = [|backend.CreateAsync("a")|];
            }
            """);
    }

    [Fact]
    public async Task Using_declaration_with_an_early_return()
    {
        await VerifyAsync("""
            class C
            {
                async Task M(IStorageBackend backend, byte[] bytes, CancellationToken ct)
                {
                    await using var file = [|await backend.CreateAsync("a", ct)|];
                    if (bytes.Length == 0)
                    {
                        return;
                    }

                    await file.WriteAsync(bytes, ct);
                    await file.CommitAsync(ct);
                }
            }
            """);

        var message = await MessageAsync("""
            class C
            {
                async Task M(IStorageBackend backend, byte[] bytes, CancellationToken ct)
                {
                    await using var file = await backend.CreateAsync("a", ct);
                    if (bytes.Length == 0) return;
                    await file.CommitAsync(ct);
                }
            }
            """);
        Assert.Equal("'file' (PendingFile) returns early at line 8 without being committed; everything written to it is lost, so call CommitAsync on every path", message);
    }

    [Fact]
    public async Task Written_but_never_committed_reaches_the_end_of_its_scope()
    {
        await VerifyAsync("""
            class C
            {
                async Task M(IStorageBackend backend, byte[] bytes)
                {
                    await using var file = [|await backend.CreateAsync("a")|];
                    await file.WriteAsync(bytes);
                }
            }
            """);

        Assert.Contains("reaches the end of its scope at line 9", await MessageAsync("""
            class C
            {
                async Task M(IStorageBackend backend, byte[] bytes)
                {
                    await using var file = await backend.CreateAsync("a");
                    await file.WriteAsync(bytes);
                }
            }
            """));
    }

    [Fact]
    public async Task Committed_in_one_branch_only()
    {
        Assert.Contains("'file' (PendingFile) reaches the end of its using block at line 15", await MessageAsync("""
            class C
            {
                async Task M(IStorageBackend backend, bool publish)
                {
                    var file = await backend.CreateAsync("a");
                    await using (file.ConfigureAwait(false))
                    {
                        file.Write([1, 2, 3]);
                        if (publish)
                        {
                            await file.CommitAsync();
                        }
                    }
                }
            }
            """));
    }

    [Fact]
    public async Task Explicit_throw_inside_the_using()
    {
        Assert.Contains("throws at line 11", await MessageAsync("""
            class C
            {
                async Task M(IStorageBackend backend, byte[] bytes)
                {
                    await using var file = await backend.CreateAsync("a");
                    await file.WriteAsync(bytes);
                    if (bytes.Length > 100)
                    {
                        throw new InvalidOperationException("too long");
                    }

                    await file.CommitAsync();
                }
            }
            """));
    }

    [Fact]
    public async Task Disposed_explicitly_and_the_method_goes_on_normally()
    {
        Assert.Contains("is disposed at line 10", await MessageAsync("""
            class C
            {
                async Task<bool> M(IStorageBackend backend, byte[] bytes)
                {
                    var file = await backend.CreateAsync("a");
                    await file.WriteAsync(bytes);
                    if (bytes.Length == 0) { await file.CommitAsync(); return true; }
                    await file.DisposeAsync();
                    return false;
                }
            }
            """));
    }

    [Fact]
    public async Task Overwritten_before_being_committed()
    {
        await VerifyAsync("""
            class C
            {
                async Task M(IStorageBackend backend)
                {
                    var file = [|await backend.CreateAsync("a")|];
                    file = await backend.CreateAsync("b");
                    await file.CommitAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task Break_out_of_the_loop_that_owns_the_writer()
    {
        Assert.Contains("leaves its loop at line 12", await MessageAsync("""
            class C
            {
                async Task M(IStorageBackend backend, string[] paths, CancellationToken ct)
                {
                    foreach (var path in paths)
                    {
                        await using var file = await backend.CreateAsync(path, ct);
                        if (path.Length > 10)
                        {
                            break;
                        }

                        await file.CommitAsync(ct);
                    }
                }
            }
            """));
    }

    [Fact]
    public async Task Break_out_of_a_switch_section_that_owns_the_writer()
    {
        Assert.Contains("leaves its switch at line 13", await MessageAsync("""
            class C
            {
                async Task M(IStorageBackend backend, int kind)
                {
                    switch (kind)
                    {
                        case 1:
                        {
                            var file = await backend.CreateAsync("a");
                            file.Write([1]);
                            break;
                        }
                        default:
                            break;
                    }
                }
            }
            """));
    }

    [Fact]
    public async Task Yield_break_in_an_async_iterator_and_a_goto_that_recreates_it()
    {
        Assert.Contains("returns early at line 9", await MessageAsync("""
            class C
            {
                async IAsyncEnumerable<int> M(IStorageBackend backend)
                {
                    var file = await backend.CreateAsync("a");
                    yield return 1;
                    if (file.Length > 3) yield break;
                    await file.CommitAsync();
                }
            }
            """));
        Assert.Contains("is overwritten at line 8", await MessageAsync("""
            class C
            {
                async Task M(IStorageBackend backend, int retries)
                {
                again:
                    var file = await backend.CreateAsync("a");
                    if (retries-- > 0) goto again;
                    await file.CommitAsync();
                }
            }
            """));
    }

    [Fact]
    public async Task Swallowed_write_error_falls_through_uncommitted()
    {
        await VerifyAsync("""
            class C
            {
                async Task M(IStorageBackend backend, byte[] bytes)
                {
                    var file = [|await backend.CreateAsync("a")|];
                    await using (file)
                    {
                        try
                        {
                            await file.WriteAsync(bytes);
                            await file.CommitAsync();
                        }
                        catch (IOException)
                        {
                            Console.WriteLine("write failed");
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task A_users_own_MustCommit_type_inherited_through_an_interface()
    {
        await VerifyAsync("""
            [MustCommit]
            interface IBatch { void Add(int value); Task CommitAsync(); }

            sealed class Batch : IBatch
            {
                public void Add(int value) { }
                public Task CommitAsync() => Task.CompletedTask;
            }

            class C
            {
                void Discard() => [|new Batch()|].Add(1);

                async Task Local(int value)
                {
                    var batch = [|new Batch()|];
                    batch.Add(value);
                    if (value < 0) return;
                    await batch.CommitAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task Lambda_bodies_are_judged_on_their_own()
    {
        await VerifyAsync("""
            class C
            {
                Func<Task> M(IStorageBackend backend) => async () =>
                {
                    var file = [|await backend.CreateAsync("a")|];
                    file.Write([1]);
                };
            }
            """);
    }

    // ---- negative look-alikes ----

    [Fact]
    public async Task Committed_on_every_path()
    {
        await VerifyAsync("""
            class C
            {
                async Task M(IStorageBackend backend, byte[] bytes, CancellationToken ct)
                {
                    var file = await backend.CreateAsync("a", ct).ConfigureAwait(false);
                    await using (file.ConfigureAwait(false))
                    {
                        await file.WriteAsync(bytes, ct).ConfigureAwait(false);
                        await file.CommitAsync(ct).ConfigureAwait(false);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Returned_to_the_caller()
    {
        await VerifyAsync("""
            class C
            {
                async Task<PendingFile> M(IStorageBackend backend, byte[] bytes)
                {
                    var file = await backend.CreateAsync("a");
                    await file.WriteAsync(bytes);
                    return file;
                }

                Task<PendingFile> N(IStorageBackend backend) => backend.CreateAsync("b").AsTask();
            }
            """);
    }

    [Fact]
    public async Task Stored_in_a_field_a_property_or_a_collection()
    {
        await VerifyAsync("""
            class C
            {
                private PendingFile? _field;
                public PendingFile? Property { get; set; }
                private readonly List<PendingFile> _list = new();

                async Task M(IStorageBackend backend)
                {
                    var a = await backend.CreateAsync("a");
                    _field = a;
                    var b = await backend.CreateAsync("b");
                    Property = b;
                    var c = await backend.CreateAsync("c");
                    _list.Add(c);
                    var d = await backend.CreateAsync("d");
                    var array = new[] { d };
                }
            }
            """);
    }

    [Fact]
    public async Task Passed_to_a_method_or_assigned_to_an_out_parameter()
    {
        await VerifyAsync("""
            [MustCommit]
            sealed class Batch { public void Commit() { } }

            class C
            {
                static void Hand(Batch batch) => batch.Commit();

                static void Inspect(in Batch batch) { }

                void Passed()
                {
                    var batch = new Batch();
                    Hand(batch);
                }

                static bool TryOpen(out Batch batch)
                {
                    var created = new Batch();
                    batch = created;
                    return true;
                }

                void InArgumentThenCommit()
                {
                    var batch = new Batch();
                    Inspect(in batch);
                    batch.Commit();
                }
            }
            """);
    }

    [Fact]
    public async Task Committed_in_both_branches()
    {
        await VerifyAsync("""
            class C
            {
                async Task M(IStorageBackend backend, bool fast, CancellationToken ct)
                {
                    await using var file = await backend.CreateAsync("a", ct);
                    if (fast)
                    {
                        await file.CommitAsync(CancellationToken.None);
                    }
                    else
                    {
                        file.Write([1]);
                        await file.CommitAsync(ct);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Committed_in_a_finally()
    {
        await VerifyAsync("""
            class C
            {
                async Task<int> M(IStorageBackend backend, bool early)
                {
                    var file = await backend.CreateAsync("a");
                    try
                    {
                        if (early)
                        {
                            return 1;
                        }

                        file.Write([1]);
                        if (file.Length > 10) throw new InvalidOperationException();
                    }
                    finally
                    {
                        await file.CommitAsync();
                    }

                    return 2;
                }
            }
            """);
    }

    [Fact]
    public async Task Using_declaration_committed_before_the_scope_ends_and_the_later_return()
    {
        await VerifyAsync("""
            class C
            {
                async Task<long> M(IStorageBackend backend, byte[] bytes)
                {
                    await using var file = await backend.CreateAsync("a");
                    await file.WriteAsync(bytes);
                    await file.CommitAsync();
                    if (bytes.Length == 0)
                    {
                        return 0;
                    }

                    return file.Length;
                }
            }
            """);
    }

    [Fact]
    public async Task Captured_by_a_lambda_that_commits()
    {
        await VerifyAsync("""
            class C
            {
                async Task<Func<Task>> M(IStorageBackend backend)
                {
                    var file = await backend.CreateAsync("a");
                    return async () => await file.CommitAsync();
                }

                async Task N(IStorageBackend backend)
                {
                    var file = await backend.CreateAsync("b");
                    await Commit();

                    async Task Commit() => await file.CommitAsync();
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
                async Task M(IStorageBackend backend)
                {
                    await backend.CreateAsync("a");
                    var file = await backend.CreateAsync("b");
                }
            }
            """, new UncommittedWriterAnalyzer());
    }

    [Fact]
    public async Task Deliberate_abort_disposes_then_throws_and_call_failures_are_not_paths()
    {
        await VerifyAsync("""
            class C
            {
                async Task<PendingFile> Create(IStorageBackend backend, Exception? fault)
                {
                    var inner = await backend.CreateAsync("a");
                    if (fault is not null)
                    {
                        await inner.DisposeAsync();
                        throw fault;
                    }

                    return inner;
                }

                async Task Write(IStorageBackend backend, byte[] bytes)
                {
                    var file = await backend.CreateAsync("b");
                    try
                    {
                        await file.WriteAsync(bytes);
                        await file.CommitAsync();
                    }
                    catch
                    {
                        await file.DisposeAsync();
                        throw;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Commit_through_a_null_conditional_or_a_Commit_extension()
    {
        await VerifyAsync("""
            static class Extensions
            {
                public static async Task CommitAndSyncAsync(this PendingFile file, IStorageBackend backend)
                {
                    await file.CommitAsync();
                    await backend.SyncDirectoryAsync("");
                }
            }

            class C
            {
                async Task M(IStorageBackend backend, bool flag)
                {
                    PendingFile? file = flag ? await backend.CreateAsync("a") : null;
                    if (file is not null)
                    {
                        file.Write([1]);
                    }

                    await (file?.CommitAsync() ?? ValueTask.CompletedTask);
                    var other = await backend.CreateAsync("b");
                    await other.CommitAndSyncAsync(backend);
                }
            }
            """);
    }

    [Fact]
    public async Task Throw_before_the_writer_exists_and_other_disposables()
    {
        await VerifyAsync("""
            class C
            {
                async Task M(IStorageBackend backend, string path, byte[] bytes)
                {
                    if (path.Length == 0) throw new ArgumentException("empty", nameof(path));
                    await using var stream = new MemoryStream();
                    if (bytes.Length == 0) return;
                    await using var file = await backend.CreateAsync(path);
                    await file.WriteAsync(bytes);
                    await file.CommitAsync();
                }
            }
            """);
    }
}
