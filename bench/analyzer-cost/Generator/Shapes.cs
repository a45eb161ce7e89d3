namespace Bulwark.Bench.CostCodebase;

/// <summary>
/// The Bulwark-like part of the codebase: the contracts the analyzers recognise by name (declared here, not referenced,
/// so the compile needs the reference pack only), code that uses them correctly, and one seeded bug per analyzer.
/// </summary>
internal static class Shapes
{
    public const string GlobalUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;

        """;

    public const string Shared = """
        using System.Collections.Concurrent;

        namespace Bulwark
        {
            [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface, Inherited = true)]
            public sealed class MustCommitAttribute : Attribute
            {
                public MustCommitAttribute(params string[] commitMethods) => CommitMethods = commitMethods;

                public IReadOnlyList<string> CommitMethods { get; }
            }

            [AttributeUsage(AttributeTargets.Method, Inherited = true)]
            public sealed class MustCheckResultAttribute : Attribute
            {
            }
        }

        namespace Bulwark.Storage
        {
            public sealed record StorageEntry(string Name, string Path, long Length);

            [MustCommit]
            public abstract class PendingFile : IAsyncDisposable
            {
                protected PendingFile(string path) => Path = path;

                public string Path { get; }

                public abstract ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default);

                public abstract ValueTask CommitAsync(CancellationToken cancellationToken = default);

                public abstract ValueTask DisposeAsync();
            }

            public interface IStorageBackend
            {
                ValueTask<PendingFile> CreateAsync(string path, CancellationToken cancellationToken = default);

                ValueTask SyncDirectoryAsync(string directory, CancellationToken cancellationToken = default);

                ValueTask<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default);

                ValueTask<IReadOnlyList<StorageEntry>> ListAsync(string directory, CancellationToken cancellationToken = default);

                ValueTask<bool> DeleteAsync(string path, CancellationToken cancellationToken = default);
            }
        }

        namespace Cost
        {
            public sealed class Shard
            {
                private long _upper;

                public long Upper => Interlocked.Read(ref _upper);

                [Bulwark.MustCheckResult]
                public bool CompareAndSet(long expected, long value) => Interlocked.CompareExchange(ref _upper, value, expected) == expected;
            }

            public interface ILog
            {
                void Info(string message);

                void Error(Exception error, string message);
            }

            public sealed class ConsoleLog : ILog
            {
                public static readonly ConsoleLog Instance = new();

                public void Info(string message) => Console.WriteLine(message);

                public void Error(Exception error, string message) => Console.Error.WriteLine($"{message}: {error.Message}");
            }

            public static class Fs
            {
                // A directory is synced by opening it and flushing the handle; a platform without that support throws.
                public static void SyncDirectory(string directory)
                {
                    using var stream = new FileStream(File.OpenHandle(directory, FileMode.Open, FileAccess.Read), FileAccess.Read);
                    stream.Flush(flushToDisk: true);
                }
            }

            public sealed class Metrics
            {
                private readonly ConcurrentDictionary<string, long> _counters = new(StringComparer.Ordinal);

                public static readonly Metrics Shared = new();

                public void Add(string name, long value) => _counters.AddOrUpdate(name, value, (_, old) => old + value);

                public long Get(string name) => _counters.TryGetValue(name, out var value) ? value : 0;
            }
        }

        """;

    /// <summary>Storage code written the Bulwark way: commits, syncs and checks every result the analyzers ask about.</summary>
    public const string Durable = """
            private readonly Bulwark.Storage.IStorageBackend _backend;
            private readonly Shard _shard = new();

            public Durable$N(Bulwark.Storage.IStorageBackend backend) => _backend = backend;

            public async Task WriteAsync(string name, ReadOnlyMemory<byte> payload, CancellationToken ct)
            {
                await using var file = await _backend.CreateAsync($"data/$N/{name}", ct);
                await file.WriteAsync(payload, ct);
                await file.CommitAsync(ct);
                await _backend.SyncDirectoryAsync("data/$N", ct);
            }

            public async Task<bool> AdvanceAsync(long by, CancellationToken ct)
            {
                for (var attempt = 0; attempt < $K + 2; attempt++)
                {
                    var upper = _shard.Upper;
                    if (_shard.CompareAndSet(upper, upper + by))
                    {
                        return true;
                    }

                    await Task.Yield();
                }

                return false;
            }

            public async Task CollectAsync(IReadOnlyList<string> manifests, CancellationToken ct)
            {
                var keep = new HashSet<string>(StringComparer.Ordinal);
                foreach (var manifest in manifests)
                {
                    await using var stream = await _backend.OpenReadAsync(manifest, ct);
                    using var reader = new StreamReader(stream);
                    while (await reader.ReadLineAsync(ct) is { } line)
                    {
                        keep.Add(line);
                    }
                }

                foreach (var entry in await _backend.ListAsync("data/$N", ct))
                {
                    if (!keep.Contains(entry.Name))
                    {
                        await _backend.DeleteAsync(entry.Path, ct);
                    }
                }
            }

        """;

    /// <summary>One bug per analyzer, BWK1001 to BWK1006 in order, so the measured run also shows every analyzer working.</summary>
    public static readonly string[] Seeded =
    [
        """
            public static byte[] ReadRecord(string path)
            {
                using var reader = new BinaryReader(File.OpenRead(path));
                var length = reader.ReadInt32();
                return reader.ReadBytes(length);
            }

        """,
        """
            public async Task DroppedAsync(CancellationToken ct)
            {
                var file = await _backend.CreateAsync("dropped/$N", ct);
                await file.WriteAsync(new byte[] { 1 }, ct);
                await file.DisposeAsync();
            }

        """,
        """
            public static void Publish(string temp, string final) => File.Move(temp, final, overwrite: true);

        """,
        """
            public async Task FragileAsync(CancellationToken ct)
            {
                try
                {
                    while (true)
                    {
                        await WriteAsync("tick", new byte[] { 1 }, ct);
                        await Task.Delay(1000, ct);
                    }
                }
                catch (Exception error)
                {
                    ConsoleLog.Instance.Error(error, "tick loop $N");
                }
            }

        """,
        """
            public async Task SwallowingAsync(IEnumerable<string> manifests, CancellationToken ct)
            {
                var keep = new HashSet<string>(StringComparer.Ordinal);
                foreach (var manifest in manifests)
                {
                    try
                    {
                        keep.UnionWith(File.ReadAllLines(manifest));
                    }
                    catch (IOException)
                    {
                    }
                }

                foreach (var entry in await _backend.ListAsync("data/$N", ct))
                {
                    if (!keep.Contains(entry.Name))
                    {
                        await _backend.DeleteAsync(entry.Path, ct);
                    }
                }
            }

        """,
        """
            public void Ignored(long by) => _shard.CompareAndSet(_shard.Upper, _shard.Upper + by);

        """,
    ];
}
