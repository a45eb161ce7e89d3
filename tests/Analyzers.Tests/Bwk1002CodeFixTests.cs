using Bulwark.Analyzers.CodeFixes;

namespace Bulwark.Analyzers.Tests;

/// <summary>The BWK1002 fix inserts the awaited commit where the path drops the writer.</summary>
public sealed class Bwk1002CodeFixTests
{
    private static Task<string> FixAsync(string source) =>
        CodeFixHarness.ApplyFixAsync(source, new UncommittedWriterAnalyzer(), new AddCommitCodeFix(), "BWK1002");

    [Fact]
    public async Task Before_an_early_return_with_the_token_in_scope()
    {
        var fixedText = await FixAsync("""
            using Bulwark.Storage;

            class C
            {
                async Task M(IStorageBackend backend, byte[] bytes, CancellationToken cancellationToken)
                {
                    await using var file = await backend.CreateAsync("a", cancellationToken);
                    if (bytes.Length == 0)
                    {
                        return;
                    }

                    await file.WriteAsync(bytes, cancellationToken);
                    await file.CommitAsync(cancellationToken);
                }
            }
            """);

        Assert.Equal("""
            using Bulwark.Storage;

            class C
            {
                async Task M(IStorageBackend backend, byte[] bytes, CancellationToken cancellationToken)
                {
                    await using var file = await backend.CreateAsync("a", cancellationToken);
                    if (bytes.Length == 0)
                    {
                        await file.CommitAsync(cancellationToken);
                        return;
                    }

                    await file.WriteAsync(bytes, cancellationToken);
                    await file.CommitAsync(cancellationToken);
                }
            }
            """, fixedText);
    }

    [Fact]
    public async Task An_embedded_return_becomes_a_block()
    {
        var fixedText = await FixAsync("""
            using Bulwark.Storage;

            class C
            {
                async Task<int> M(IStorageBackend backend, byte[] bytes)
                {
                    await using var file = await backend.CreateAsync("a");
                    if (bytes.Length == 0) return 0;
                    await file.WriteAsync(bytes);
                    await file.CommitAsync();
                    return bytes.Length;
                }
            }
            """);

        Assert.Equal("""
            using Bulwark.Storage;

            class C
            {
                async Task<int> M(IStorageBackend backend, byte[] bytes)
                {
                    await using var file = await backend.CreateAsync("a");
                    if (bytes.Length == 0)
                    {
                        await file.CommitAsync();
                        return 0;
                    }
                    await file.WriteAsync(bytes);
                    await file.CommitAsync();
                    return bytes.Length;
                }
            }
            """, fixedText);
    }

    [Fact]
    public async Task At_the_end_of_a_using_declarations_scope()
    {
        var fixedText = await FixAsync("""
            using Bulwark.Storage;

            class C
            {
                async Task M(IStorageBackend backend, byte[] bytes)
                {
                    await using var file = await backend.CreateAsync("a");
                    await file.WriteAsync(bytes);
                }
            }
            """);

        Assert.Equal("""
            using Bulwark.Storage;

            class C
            {
                async Task M(IStorageBackend backend, byte[] bytes)
                {
                    await using var file = await backend.CreateAsync("a");
                    await file.WriteAsync(bytes);
                    await file.CommitAsync();
                }
            }
            """, fixedText);
    }

    [Fact]
    public async Task At_the_end_of_a_using_block_keeping_ConfigureAwait()
    {
        var fixedText = await FixAsync("""
            using Bulwark.Storage;

            class C
            {
                async Task M(IStorageBackend backend, byte[] bytes, CancellationToken ct)
                {
                    var file = await backend.CreateAsync("a", ct).ConfigureAwait(false);
                    await using (file.ConfigureAwait(false))
                    {
                        await file.WriteAsync(bytes, ct).ConfigureAwait(false);
                    }
                }
            }
            """);

        Assert.Equal("""
            using Bulwark.Storage;

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
            """, fixedText);
    }

    [Fact]
    public async Task Before_an_explicit_dispose()
    {
        var fixedText = await FixAsync("""
            using Bulwark.Storage;

            class C
            {
                async Task M(IStorageBackend backend, byte[] bytes)
                {
                    var file = await backend.CreateAsync("a");
                    await file.WriteAsync(bytes);
                    await file.DisposeAsync();
                }
            }
            """);

        Assert.Equal("""
            using Bulwark.Storage;

            class C
            {
                async Task M(IStorageBackend backend, byte[] bytes)
                {
                    var file = await backend.CreateAsync("a");
                    await file.WriteAsync(bytes);
                    await file.CommitAsync();
                    await file.DisposeAsync();
                }
            }
            """, fixedText);
    }

    [Fact]
    public async Task Not_offered_on_a_throw_path_a_discard_or_outside_an_async_body()
    {
        const string Throws = """
            using Bulwark.Storage;

            class C
            {
                async Task M(IStorageBackend backend, byte[] bytes)
                {
                    await using var file = await backend.CreateAsync("a");
                    if (bytes.Length == 0) throw new ArgumentException("empty");
                    await file.CommitAsync();
                }
            }
            """;
        const string Discards = """
            using Bulwark.Storage;

            class C
            {
                async Task M(IStorageBackend backend) => await backend.CreateAsync("a");
            }
            """;
        const string Synchronous = """
            using Bulwark;

            [MustCommit]
            sealed class Batch { public void Commit() { } public void Add(int value) { } }

            class C
            {
                void M(int value)
                {
                    var batch = new Batch();
                    batch.Add(value);
                }
            }
            """;

        foreach (var source in new[] { Throws, Discards, Synchronous })
        {
            await CodeFixHarness.VerifyNoFixAsync(source, new UncommittedWriterAnalyzer(), new AddCommitCodeFix(), "BWK1002");
        }
    }
}
