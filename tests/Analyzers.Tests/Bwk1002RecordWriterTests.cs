using Bulwark.Analyzers.CodeFixes;

namespace Bulwark.Analyzers.Tests;

/// <summary>
/// BWK1002 on the runtime's record writers, which carry <c>[MustCommit("CompleteAsync")]</c> through
/// <c>BatchingRecordWriter&lt;T&gt;</c>: CompleteAsync commits them, a CommitAsync-style name does not. ParquetFileWriter
/// carries no attribute but is in the analyzer's catalogue, since only its CompleteAsync writes the footer.
/// </summary>
public sealed class Bwk1002RecordWriterTests
{
    // A record type written by hand (the harness runs no generator); only its type matters to the analyzer.
    private const string Prelude = """
        using Apache.Arrow;
        using Bulwark;
        using Bulwark.Arrow;
        using Bulwark.Parquet;
        using Bulwark.Records;
        using Bulwark.Storage;

        sealed record Row(long Id) : IArrowRecord<Row>
        {
            public static string TableName => "rows";
            public static Schema ArrowSchema => throw new NotSupportedException();
            public static IArrowBatchBuilder<Row> CreateBatchBuilder() => throw new NotSupportedException();
            public static Row[] ReadBatch(RecordBatch batch) => throw new NotSupportedException();
        }

        """;

    private static Task VerifyAsync(string markup) => AnalyzerHarness.VerifyAsync(Prelude + markup, new UncommittedWriterAnalyzer());

    [Fact]
    public async Task Arrow_record_writer_disposed_on_an_early_return_without_CompleteAsync()
    {
        await VerifyAsync("""
            class C
            {
                async Task M(string path, Row[] rows, CancellationToken ct)
                {
                    await using var writer = [|ArrowFile.CreateWriter<Row>(path)|];
                    await writer.AppendRangeAsync(rows, ct);
                    if (rows.Length == 0)
                    {
                        return;
                    }

                    await writer.CompleteAsync(ct);
                }
            }
            """);
    }

    [Fact]
    public async Task Parquet_record_writer_from_storage_that_runs_off_its_using_block()
    {
        await VerifyAsync("""
            class C
            {
                async Task M(IStorageBackend storage, Row[] rows)
                {
                    var writer = [|await ParquetFile.CreateWriterAsync<Row>(storage, "rows.parquet")|];
                    await using (writer)
                    {
                        await writer.AppendRangeAsync(rows);
                    }
                }

                void Discarded(string path) => _ = [|new ParquetRecordWriter<Row>(path)|];
            }
            """);
    }

    [Fact]
    public async Task The_message_names_CompleteAsync_as_the_completing_call()
    {
        var diagnostic = Assert.Single(await AnalyzerHarness.GetDiagnosticsAsync(Prelude + """
            class C
            {
                async Task M(string path, Row row)
                {
                    var writer = ArrowFile.CreateWriter<Row>(path);
                    await writer.AppendAsync(row);
                    await writer.DisposeAsync();
                }
            }
            """, new UncommittedWriterAnalyzer()));

        Assert.Equal("ArrowFile.CreateWriter<Row>(path)", diagnostic.SpanText);
        Assert.Equal(
            "'writer' (ArrowRecordWriter<Row>) is disposed at line 21 without being committed; everything written to it is lost, so call CompleteAsync on every path",
            diagnostic.Message);
    }

    [Fact]
    public async Task Completed_on_every_path_is_silent()
    {
        await VerifyAsync("""
            class C
            {
                async Task M(string path, Row[] rows, CancellationToken ct)
                {
                    await using var writer = ArrowFile.CreateWriter<Row>(path);
                    await writer.AppendRangeAsync(rows, ct);
                    if (rows.Length == 0)
                    {
                        await writer.CompleteAsync(ct);
                        return;
                    }

                    await writer.CompleteAsync(ct).ConfigureAwait(false);
                }

                async Task Parquet(IStorageBackend storage, Row[] rows)
                {
                    var writer = await ParquetFile.CreateWriterAsync<Row>(storage, "rows.parquet");
                    await using (writer.ConfigureAwait(false))
                    {
                        await writer.AppendRangeAsync(rows);
                        await writer.CompleteAsync();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Returned_or_stored_in_a_field_is_silent()
    {
        await VerifyAsync("""
            class C
            {
                private ParquetRecordWriter<Row>? _current;

                ArrowRecordWriter<Row> Open(string path) => ArrowFile.CreateWriter<Row>(path);

                async Task<ParquetRecordWriter<Row>> OpenAsync(IStorageBackend storage)
                {
                    var writer = await ParquetFile.CreateWriterAsync<Row>(storage, "rows.parquet");
                    return writer;
                }

                void Keep(string path)
                {
                    var writer = ParquetFile.CreateWriter<Row>(path);
                    _current = writer;
                }
            }
            """);
    }

    [Fact]
    public async Task A_method_named_like_a_commit_does_not_complete_a_record_writer()
    {
        // The attribute names CompleteAsync, so the Commit* rule of PendingFile no longer applies to this type.
        await VerifyAsync("""
            static class Extensions
            {
                public static Task CommitAsync<T>(this BatchingRecordWriter<T> writer) where T : IArrowRecord<T> => Task.CompletedTask;
            }

            class C
            {
                async Task M(string path)
                {
                    await using var writer = [|ArrowFile.CreateWriter<Row>(path)|];
                    await writer.CommitAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task The_code_fix_inserts_CompleteAsync()
    {
        var fixedText = await CodeFixHarness.ApplyFixAsync(Prelude + """
            class C
            {
                async Task M(string path, Row[] rows, CancellationToken cancellationToken)
                {
                    await using var writer = ArrowFile.CreateWriter<Row>(path);
                    await writer.AppendRangeAsync(rows, cancellationToken);
                    if (rows.Length == 0)
                    {
                        return;
                    }

                    await writer.CompleteAsync(cancellationToken);
                }
            }
            """, new UncommittedWriterAnalyzer(), new AddCommitCodeFix(), "BWK1002");

        Assert.Equal(Prelude + """
            class C
            {
                async Task M(string path, Row[] rows, CancellationToken cancellationToken)
                {
                    await using var writer = ArrowFile.CreateWriter<Row>(path);
                    await writer.AppendRangeAsync(rows, cancellationToken);
                    if (rows.Length == 0)
                    {
                        await writer.CompleteAsync(cancellationToken);
                        return;
                    }

                    await writer.CompleteAsync(cancellationToken);
                }
            }
            """, fixedText);
    }

    [Fact]
    public async Task Every_method_the_attribute_names_commits()
    {
        await VerifyAsync("""
            [MustCommit("PublishAsync", "CompleteAsync")]
            sealed class Batch : IAsyncDisposable
            {
                public Task PublishAsync() => Task.CompletedTask;
                public Task CompleteAsync() => Task.CompletedTask;
                public Task CommitAsync() => Task.CompletedTask;
                public ValueTask DisposeAsync() => ValueTask.CompletedTask;
            }

            class C
            {
                async Task Published() { await using var batch = new Batch(); await batch.PublishAsync(); }

                async Task Completed() { await using var batch = new Batch(); await batch.CompleteAsync(); }

                async Task CommittedByTheWrongName() { await using var batch = [|new Batch()|]; await batch.CommitAsync(); }
            }
            """);
    }

    [Fact]
    public async Task No_fix_is_offered_when_the_completing_method_is_not_awaitable_by_name()
    {
        const string Source = Prelude + """
            [MustCommit("Seal")]
            sealed class Batch { public void Seal() { } public void Add(int value) { } }

            class C
            {
                async Task M(int value)
                {
                    var batch = new Batch();
                    batch.Add(value);
                    if (value < 0)
                    {
                        return;
                    }

                    batch.Seal();
                    await Task.Yield();
                }
            }
            """;

        var diagnostic = Assert.Single(await AnalyzerHarness.GetDiagnosticsAsync(Source, new UncommittedWriterAnalyzer()));
        Assert.EndsWith("so call Seal on every path", diagnostic.Message, StringComparison.Ordinal);
        await CodeFixHarness.VerifyNoFixAsync(Source, new UncommittedWriterAnalyzer(), new AddCommitCodeFix(), "BWK1002");
    }

    // ---- ParquetFileWriter: no attribute, but its footer is written by CompleteAsync alone ----

    [Fact]
    public async Task Parquet_file_writer_disposed_without_CompleteAsync()
    {
        await VerifyAsync("""
            class C
            {
                async Task Declaration(Stream output, Schema schema, RecordBatch batch, CancellationToken ct)
                {
                    await using var writer = [|new ParquetFileWriter(output, schema)|];
                    await writer.WriteBatchAsync(batch, ct);
                }

                async Task Configured(Stream output, Schema schema, IReadOnlyList<RecordBatch> batches, CancellationToken ct)
                {
                    var writer = [|new ParquetFileWriter(output, schema, options: null, leaveOpen: true)|];
                    await using (writer.ConfigureAwait(false))
                    {
                        foreach (var batch in batches)
                        {
                            if (batch.Length == 0)
                            {
                                return;
                            }

                            await writer.WriteBatchAsync(batch, ct).ConfigureAwait(false);
                        }

                        await writer.CompleteAsync(ct).ConfigureAwait(false);
                    }
                }

                async Task Explicit(Stream output, Schema schema, RecordBatch batch)
                {
                    var writer = [|new ParquetFileWriter(output, schema, leaveOpen: true)|];
                    await writer.WriteBatchAsync(batch);
                    await writer.DisposeAsync();
                    output.Position = 0;
                }
            }
            """);
    }

    [Fact]
    public async Task Parquet_file_writer_completed_or_handed_off_and_the_Arrow_IPC_writers_are_silent()
    {
        // ArrowIpcFileWriter and ArrowIpcStreamWriter finish the file when disposed, so disposal alone loses nothing.
        await VerifyAsync("""
            sealed class Part(ParquetFileWriter writer)
            {
                public ParquetFileWriter Writer { get; } = writer;
            }

            class C
            {
                async Task Completed(Stream output, Schema schema, IReadOnlyList<RecordBatch> batches, CancellationToken ct)
                {
                    var writer = new ParquetFileWriter(output, schema, options: null, leaveOpen: true);
                    await using (writer.ConfigureAwait(false))
                    {
                        foreach (var batch in batches)
                        {
                            await writer.WriteBatchAsync(batch, ct).ConfigureAwait(false);
                        }

                        await writer.CompleteAsync(ct).ConfigureAwait(false);
                    }
                }

                ParquetFileWriter Open(Stream output, Schema schema) => new ParquetFileWriter(output, schema);

                Part Wrapped(Stream output, Schema schema) => new Part(new ParquetFileWriter(output, schema));

                async Task ArrowIpc(Stream output, Schema schema, RecordBatch batch)
                {
                    await using var file = new Bulwark.Arrow.Ipc.ArrowIpcFileWriter(output, schema, leaveOpen: true);
                    await file.WriteBatchAsync(batch);
                    await using var stream = new Bulwark.Arrow.Ipc.ArrowIpcStreamWriter(output, schema, leaveOpen: true);
                    await stream.WriteBatchAsync(batch);
                }
            }
            """);
    }

    [Fact]
    public async Task The_code_fix_completes_a_Parquet_file_writer_before_the_early_return()
    {
        var fixedText = await CodeFixHarness.ApplyFixAsync(Prelude + """
            class C
            {
                async Task M(Stream output, Schema schema, RecordBatch batch, CancellationToken cancellationToken)
                {
                    await using var writer = new ParquetFileWriter(output, schema);
                    if (batch.Length == 0)
                    {
                        return;
                    }

                    await writer.WriteBatchAsync(batch, cancellationToken);
                    await writer.CompleteAsync(cancellationToken);
                }
            }
            """, new UncommittedWriterAnalyzer(), new AddCommitCodeFix(), "BWK1002");

        Assert.Equal(Prelude + """
            class C
            {
                async Task M(Stream output, Schema schema, RecordBatch batch, CancellationToken cancellationToken)
                {
                    await using var writer = new ParquetFileWriter(output, schema);
                    if (batch.Length == 0)
                    {
                        await writer.CompleteAsync(cancellationToken);
                        return;
                    }

                    await writer.WriteBatchAsync(batch, cancellationToken);
                    await writer.CompleteAsync(cancellationToken);
                }
            }
            """, fixedText);
    }
}
