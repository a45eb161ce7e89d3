using Bulwark.Analyzers.CodeFixes;

namespace Bulwark.Analyzers.Tests;

/// <summary>
/// BWK1002: a writer passed to a call that only formats it (a console or log line, string interpolation,
/// string.Format, a StringBuilder) is still the caller's to commit; only a real hand-off ends the duty.
/// </summary>
public sealed class Bwk1002FormattingTests
{
    private const string Usings = """
        using Bulwark;
        using Bulwark.Storage;
        using Microsoft.Extensions.Logging;

        """;

    private static Task VerifyAsync(string markup) => AnalyzerHarness.VerifyAsync(Usings + markup, new UncommittedWriterAnalyzer());

    // ---- positive: formatted, never committed ----

    [Fact]
    public async Task Written_to_the_console_or_formatted_into_a_string()
    {
        await VerifyAsync("""
            class C
            {
                async Task Console_WriteLine_object(IStorageBackend backend, byte[] bytes)
                {
                    await using var file = [|await backend.CreateAsync("a")|];
                    await file.WriteAsync(bytes);
                    Console.WriteLine(file);
                }

                async Task Interpolated(IStorageBackend backend, byte[] bytes)
                {
                    await using var file = [|await backend.CreateAsync("a")|];
                    await file.WriteAsync(bytes);
                    Console.WriteLine($"wrote {file}");
                }

                async Task Format_params(IStorageBackend backend)
                {
                    await using var file = [|await backend.CreateAsync("a")|];
                    var text = string.Format("{0} ({1})", file, 1);
                    Console.WriteLine(text);
                }

                async Task Console_template(IStorageBackend backend)
                {
                    await using var file = [|await backend.CreateAsync("a")|];
                    Console.WriteLine("wrote {0}", file);
                }

                async Task Text_writer(IStorageBackend backend, TextWriter log)
                {
                    await using var file = [|await backend.CreateAsync("a")|];
                    await log.WriteLineAsync($"wrote {file}");
                    log.WriteLine(file);
                }

                async Task String_builder(IStorageBackend backend, System.Text.StringBuilder report)
                {
                    var file = [|await backend.CreateAsync("a")|];
                    report.Append(file).AppendLine();
                    report.Append($"[{file}]");
                }

                async Task Debug_line(IStorageBackend backend)
                {
                    var file = [|await backend.CreateAsync("a")|];
                    System.Diagnostics.Debug.WriteLine(file);
                    await file.DisposeAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task Named_in_a_log_line()
    {
        await VerifyAsync("""
            static partial class Log
            {
                [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Writing {File}")]
                public static partial void Writing(ILogger logger, PendingFile file);

                public static partial void Writing(ILogger logger, PendingFile file) { }
            }

            class C
            {
                async Task Template(IStorageBackend backend, ILogger logger, byte[] bytes)
                {
                    await using var file = [|await backend.CreateAsync("a")|];
                    logger.LogInformation("Writing {Bytes} bytes to {File}", bytes.Length, file);
                    await file.WriteAsync(bytes);
                }

                async Task Interpolated(IStorageBackend backend, ILogger logger)
                {
                    await using var file = [|await backend.CreateAsync("a")|];
                    logger.LogWarning($"Writing {file}");
                }

                async Task Scope(IStorageBackend backend, ILogger logger)
                {
                    await using var file = [|await backend.CreateAsync("a")|];
                    using (logger.BeginScope("File {File}", file))
                    {
                        await file.WriteAsync(new byte[1]);
                    }
                }

                async Task Generated(IStorageBackend backend, ILogger logger)
                {
                    await using var file = [|await backend.CreateAsync("a")|];
                    Log.Writing(logger, file);
                }
            }
            """);
    }

    [Fact]
    public async Task Formatted_then_lost_on_an_early_return()
    {
        // The path matters as before: the formatting call neither commits nor hands off, so the early return loses it.
        await VerifyAsync("""
            class C
            {
                async Task M(IStorageBackend backend, byte[] bytes, ILogger logger)
                {
                    await using var file = [|await backend.CreateAsync("a")|];
                    logger.LogDebug("Created {File}", file);
                    if (bytes.Length == 0)
                    {
                        return;
                    }

                    await file.WriteAsync(bytes);
                    await file.CommitAsync();
                }
            }
            """);
    }

    // ---- silent neighbours: formatted and committed, or really handed off ----

    [Fact]
    public async Task Formatted_and_committed_or_handed_off_is_silent()
    {
        await VerifyAsync("""
            class C
            {
                private PendingFile? _current;
                private readonly List<PendingFile> _open = new();

                async Task Committed(IStorageBackend backend, ILogger logger, byte[] bytes)
                {
                    await using var file = await backend.CreateAsync("a");
                    logger.LogInformation("Writing {File}", file);
                    Console.WriteLine($"writing {file}");
                    await file.WriteAsync(bytes);
                    await file.CommitAsync();
                }

                async Task<PendingFile> Returned(IStorageBackend backend)
                {
                    var file = await backend.CreateAsync("a");
                    Console.WriteLine(file);
                    return file;
                }

                async Task Stored(IStorageBackend backend, ILogger logger)
                {
                    var file = await backend.CreateAsync("a");
                    logger.LogInformation("Opened {File}", file);
                    _current = file;
                }

                async Task Added(IStorageBackend backend)
                {
                    var file = await backend.CreateAsync("a");
                    Console.WriteLine("adding {0}", file);
                    _open.Add(file);
                }
            }
            """);
    }

    [Fact]
    public async Task An_object_parameter_of_a_method_that_is_no_formatter_is_a_hand_off()
    {
        // The catalogue names formatting APIs; any other method taking object may keep the writer.
        await VerifyAsync("""
            sealed class Registry
            {
                public void WriteLine(object owned) { }
            }

            class C
            {
                async Task Own(IStorageBackend backend, Registry registry)
                {
                    var file = await backend.CreateAsync("a");
                    registry.WriteLine(file);
                }

                async Task List(IStorageBackend backend, System.Collections.ArrayList pending)
                {
                    var file = await backend.CreateAsync("a");
                    pending.Add(file);
                }

                async Task Boxed(IStorageBackend backend, Action<object> keep)
                {
                    var file = await backend.CreateAsync("a");
                    keep(file);
                }
            }
            """);
    }

    // ---- code fix ----

    [Fact]
    public async Task The_fix_commits_a_logged_file_before_the_early_return()
    {
        var fixedText = await CodeFixHarness.ApplyFixAsync(Usings + """
            class C
            {
                async Task M(IStorageBackend backend, ILogger logger, byte[] bytes, CancellationToken cancellationToken)
                {
                    await using var file = await backend.CreateAsync("a", cancellationToken);
                    logger.LogInformation("Writing {File}", file);
                    if (bytes.Length == 0)
                    {
                        return;
                    }

                    await file.WriteAsync(bytes, cancellationToken);
                    await file.CommitAsync(cancellationToken);
                }
            }
            """, new UncommittedWriterAnalyzer(), new AddCommitCodeFix(), "BWK1002");

        Assert.Equal(Usings + """
            class C
            {
                async Task M(IStorageBackend backend, ILogger logger, byte[] bytes, CancellationToken cancellationToken)
                {
                    await using var file = await backend.CreateAsync("a", cancellationToken);
                    logger.LogInformation("Writing {File}", file);
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
    public async Task No_fix_when_the_file_is_named_in_the_exception_that_abandons_it()
    {
        // Committing before reporting the failure would publish what the failure abandons.
        await CodeFixHarness.VerifyNoFixAsync(Usings + """
            class C
            {
                async Task M(IStorageBackend backend, byte[] bytes)
                {
                    await using var file = [|await backend.CreateAsync("a")|];
                    await file.WriteAsync(bytes);
                    if (bytes.Length > 100)
                    {
                        throw new InvalidOperationException($"{file} is too large");
                    }

                    await file.CommitAsync();
                }
            }
            """, new UncommittedWriterAnalyzer(), new AddCommitCodeFix(), "BWK1002");
    }
}
