namespace Bulwark.Analyzers.Tests;

/// <summary>
/// BWK1003 and lambdas: a rename inside a lambda that a retry or policy helper runs in place is judged in the
/// enclosing method, where a directory sync after the helper's call covers it; a lambda kept for later is not.
/// </summary>
public sealed class Bwk1003RetryLambdaTests
{
    private const string Retry = """

        static class IoRetry
        {
            public static void RetryOnIOException(Action action)
            {
                for (var attempt = 1; attempt <= 3; attempt++)
                {
                    try
                    {
                        action();
                        return;
                    }
                    catch (IOException) when (attempt < 3)
                    {
                        Thread.Sleep(10 * attempt);
                    }
                }
            }

            public static void Retry(Action action, int attempts)
            {
                for (var i = 0; i < attempts - 1; i++)
                {
                    try
                    {
                        action();
                        return;
                    }
                    catch (IOException)
                    {
                    }
                }

                action();
            }

            public static async Task RetryAsync(Func<Task> action)
            {
                try
                {
                    await action();
                }
                catch (IOException)
                {
                    await action();
                }
            }
        }

        sealed class Policy
        {
            public T Execute<T>(Func<T> action) => action();

            public Task ExecuteAsync(Func<Task> action) => action();
        }
        """;

    private static Task VerifyAsync(string markup) => Bwk1003Harness.VerifyAsync(markup + Retry);

    // ---- silent: the enclosing method syncs after the call that runs the lambda ----

    [Fact]
    public Task A_database_rebuild_that_renames_through_a_retry_helper_then_fsyncs_the_directory() => VerifyAsync("""
        sealed class Rebuilder
        {
            public void Rebuild(string dataFile, string logFile, string tempFile, string backupFile)
            {
                IoRetry.RetryOnIOException(() => File.Move(dataFile, backupFile));
                IoRetry.RetryOnIOException(() => File.Move(tempFile, dataFile));
                IoRetry.RetryOnIOException(() => File.Delete(logFile));
                FsyncDirectory(Path.GetDirectoryName(dataFile)!);
            }

            private static void FsyncDirectory(string path)
            {
                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
                RandomAccess.FlushToDisk(handle);
            }
        }
        """);

    [Fact]
    public Task A_policy_running_the_rename_awaited_or_returning_a_value_then_a_backend_sync() => VerifyAsync("""
        sealed class Compactor(Policy policy, IStorageBackend backend)
        {
            public async Task PublishAsync(string temporary, string final, CancellationToken ct)
            {
                await policy.ExecuteAsync(async () =>
                {
                    await Task.Yield();
                    File.Move(temporary, final, overwrite: true);
                }).ConfigureAwait(false);
                var moved = policy.Execute(() =>
                {
                    File.Replace(final + ".new", final, final + ".bak");
                    return true;
                });
                if (moved)
                {
                    await backend.SyncDirectoryAsync("segments", ct).ConfigureAwait(false);
                }
                else
                {
                    Fs.SyncDirectory("segments");
                }
            }
        }
        """);

    [Fact]
    public Task Nested_retries_and_arguments_that_branch() => VerifyAsync("""
        sealed class C
        {
            void M(string from, string to, int? attempts)
            {
                IoRetry.RetryOnIOException(() => IoRetry.Retry(() => File.Move(from, to), attempts ?? 3));
                IoRetry.Retry(() => Directory.Move(from, to), attempts is null ? 2 : attempts.Value);
                Fs.SyncDirectory(".");
            }
        }
        """);

    // ---- reported: no sync after the call, or the lambda runs later ----

    [Fact]
    public Task A_retried_rename_with_no_sync_after_the_call() => VerifyAsync("""
        sealed class C
        {
            void M(string from, string to)
            {
                Fs.SyncDirectory(".");
                IoRetry.RetryOnIOException(() => [|File.Move(from, to)|]);
            }

            async Task N(string from, string to, bool quick)
            {
                await IoRetry.RetryAsync(async () => { await Task.Yield(); [|File.Move(from, to)|]; });
                if (quick)
                {
                    return;
                }

                Fs.SyncDirectory(".");
            }
        }
        """);

    [Fact]
    public Task A_lambda_stored_returned_or_left_running_is_judged_on_its_own() => VerifyAsync("""
        sealed class C
        {
            Action Later(string from, string to)
            {
                Action rename = () => [|File.Move(from, to)|];
                Fs.SyncDirectory(".");
                return rename;
            }

            void Unawaited(string from, string to)
            {
                _ = IoRetry.RetryAsync(() => { [|File.Move(from, to)|]; return Task.CompletedTask; });
                Fs.SyncDirectory(".");
            }

            void Callbacks(string from, string to, CancellationToken token)
            {
                using var registration = token.Register(() => [|File.Move(from, to)|]);
                ThreadPool.QueueUserWorkItem(_ => [|File.Move(to, from)|]);
                var thread = new Thread(() => [|Directory.Move(from, to)|]);
                thread.Start();
                Fs.SyncDirectory(".");
            }
        }
        """);
}
