using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using Bulwark.Analyzers;
using Bulwark.Storage;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Bulwark.Benchmarks;

/// <summary>
/// What the durability analyzers cost a build: a generated compilation of realistic storage code (backends, pending files,
/// streams and spans, background loops, compare-and-set retries, renames, garbage collection; one file in 25 carries a
/// seeded violation) is checked by the compiler alone and by the compiler plus every Bulwark analyzer, each on a fresh
/// compilation so both pay for binding. The ratio is the build-time factor a user pays for the analyzers.
/// </summary>
internal static class AnalyzerScaleComparison
{
    public static async Task<int> RunAsync(int files, int iterations)
    {
        var analyzers = typeof(UncheckedDeserializationAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
        var sources = Enumerable.Range(0, files).Select(Source).Prepend((Path: "Shared.cs", Text: Shared)).ToList();
        var references = References();
        var lines = sources.Sum(s => s.Text.Count(c => c == '\n'));

        Compilation Fresh() => CSharpCompilation.Create(
            "AnalyzerScale",
            sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest), s.Path)),
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        var errors = Fresh().GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            Console.Error.WriteLine("The generated compilation does not compile:\n" + string.Join("\n", errors.Take(20)));
            return 1;
        }

        var compilerTimes = new List<double>();
        var floorTimes = new List<double>();
        var analyzedTimes = new List<double>();
        ImmutableArray<Diagnostic> found = [];
        for (var i = 0; i < iterations; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            _ = Fresh().GetDiagnostics();
            compilerTimes.Add(stopwatch.Elapsed.TotalMilliseconds);

            stopwatch.Restart();
            _ = await Fresh()
                .WithAnalyzers([new OperationFloorAnalyzer()], new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), null, concurrentAnalysis: true, logAnalyzerExecutionTime: false))
                .GetAllDiagnosticsAsync();
            floorTimes.Add(stopwatch.Elapsed.TotalMilliseconds);

            var withAnalyzers = Fresh().WithAnalyzers(
                analyzers,
                new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), null, concurrentAnalysis: true, logAnalyzerExecutionTime: false));
            stopwatch.Restart();
            var all = await withAnalyzers.GetAllDiagnosticsAsync();
            analyzedTimes.Add(stopwatch.Elapsed.TotalMilliseconds);
            found = all.Where(d => d.Id.StartsWith("BWK", StringComparison.Ordinal)).ToImmutableArray();
        }

        var compiler = Median(compilerTimes);
        var floor = Median(floorTimes);
        var analyzed = Median(analyzedTimes);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Analyzer scale: {files:N0} generated files ({lines:N0} lines), {analyzers.Length} analyzers, median of {iterations} runs on fresh compilations"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"compiler diagnostics only",-44} {compiler,10:0} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"compiler + an empty operation analyzer (floor)",-44} {floor,10:0} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"compiler + all Bulwark analyzers",-44} {analyzed,10:0} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio with/without analyzers: {analyzed / compiler:0.00}x (the analyzer driver and operation trees alone: {floor / compiler:0.00}x; Bulwark's callbacks on top: {analyzed / floor:0.00}x)"));
        Console.WriteLine("seeded violations found: " + string.Join(", ", found.GroupBy(d => d.Id).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}={g.Count()}")));
        var expected = files / 25;
        var complete = found.GroupBy(d => d.Id).Count() == analyzers.Length && found.Length >= expected;
        Console.WriteLine($"every analyzer found its seeded violations: {complete}");
        return complete ? 0 : 1;
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    internal static ImmutableArray<MetadataReference> References() =>
        ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => !Path.GetFileName(path).StartsWith("Bulwark.", StringComparison.Ordinal))
            .Append(typeof(PendingFile).Assembly.Location)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();

    internal const string Shared = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Threading;
        using System.Threading.Tasks;
        using Bulwark;

        namespace Scale;

        public sealed class Shard
        {
            private long _upper;

            public long Upper => Interlocked.Read(ref _upper);

            public bool CompareAndSet(long expected, long value) => Interlocked.CompareExchange(ref _upper, value, expected) == expected;

            [MustCheckResult]
            public ValueTask<bool> CompareAndAppendAsync(long expectedUpper, ReadOnlyMemory<byte> batch, CancellationToken ct) =>
                ValueTask.FromResult(CompareAndSet(expectedUpper, expectedUpper + batch.Length));
        }

        public readonly record struct LoadResult(string Path, bool Succeeded, IReadOnlyList<string> Files);

        public static class Log
        {
            public static void Error(Exception error, string what) => Console.Error.WriteLine($"{what}: {error.Message}");
        }
        """;

    /// <summary>One file of the generated compilation: a class with a handful of storage methods, chosen by index.</summary>
    internal static (string Path, string Text) Source(int index)
    {
        var text = new StringBuilder();
        text.Append("""
            using System;
            using System.Buffers.Binary;
            using System.Collections.Generic;
            using System.IO;
            using System.Linq;
            using System.Runtime.InteropServices;
            using System.Threading;
            using System.Threading.Tasks;
            using Bulwark;
            using Bulwark.Storage;

            namespace Scale;

            """);
        text.Append(CultureInfo.InvariantCulture, $"public sealed class Worker{index}\n{{\n");
        text.Append(CultureInfo.InvariantCulture, $"    private readonly IStorageBackend _backend;\n    private readonly Shard _shard = new();\n    private long _written;\n\n    public Worker{index}(IStorageBackend backend) => _backend = backend;\n\n");
        text.Append(Clean.Replace("$N", index.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        if (index % 25 == 0)
        {
            var violations = Violations;
            text.Append(violations[index / 25 % violations.Length]);
        }

        text.Append("}\n");
        return ($"Worker{index}.cs", text.ToString());
    }

    private const string Clean = """
            public async Task WriteAsync(string name, ReadOnlyMemory<byte> payload, CancellationToken ct)
            {
                await using var file = await _backend.CreateAsync($"data/$N/{name}", ct);
                await file.WriteAsync(payload, ct);
                await file.CommitAsync(ct);
                Interlocked.Add(ref _written, payload.Length);
            }

            public async Task<int> ReadHeaderAsync(string name, CancellationToken ct)
            {
                await using var stream = await _backend.OpenReadAsync($"data/$N/{name}", ct);
                var header = new byte[16];
                await stream.ReadExactlyAsync(header, ct);
                var magic = BinaryPrimitives.ReadInt32LittleEndian(header);
                var length = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(4));
                return magic == 0x4B574221 && length >= 0 ? (int)Math.Min(length, int.MaxValue) : throw new InvalidDataException("bad header");
            }

            public static long Checksum(ReadOnlySpan<byte> bytes)
            {
                long sum = 17;
                for (var i = 0; i < bytes.Length; i++)
                {
                    sum = unchecked(sum * 31 + bytes[i]);
                }

                foreach (var word in MemoryMarshal.Cast<byte, int>(bytes[..(bytes.Length & ~3)]))
                {
                    sum ^= word;
                }

                return sum;
            }

            public async Task RunAsync(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    try
                    {
                        await WriteAsync("tick", new byte[] { 1, 2, 3 }, ct);
                        await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        break;
                    }
                    catch (Exception error)
                    {
                        Log.Error(error, "tick $N");
                    }
                }
            }

            public async Task<bool> AppendAsync(ReadOnlyMemory<byte> batch, CancellationToken ct)
            {
                for (var attempt = 0; attempt < 3; attempt++)
                {
                    var upper = _shard.Upper;
                    if (await _shard.CompareAndAppendAsync(upper, batch, ct))
                    {
                        return true;
                    }
                }

                while (!_shard.CompareAndSet(_shard.Upper, _shard.Upper + 1))
                {
                }

                return false;
            }

            public async Task PublishAsync(string directory, CancellationToken ct)
            {
                var temp = Path.Combine(directory, "current.tmp");
                await File.WriteAllBytesAsync(temp, BitConverter.GetBytes(_written), ct);
                File.Move(temp, Path.Combine(directory, "current"), overwrite: true);
                await _backend.SyncDirectoryAsync(directory, ct);
            }

            public async Task CollectAsync(IReadOnlyList<LoadResult> results, CancellationToken ct)
            {
                if (results.Any(r => !r.Succeeded))
                {
                    throw new InvalidOperationException("a manifest did not load; nothing is deleted");
                }

                var keep = results.SelectMany(r => r.Files).ToHashSet(StringComparer.Ordinal);
                foreach (var entry in await _backend.ListAsync("data/$N", ct))
                {
                    if (!keep.Contains(entry.Name))
                    {
                        await _backend.DeleteAsync(entry.Path, ct);
                    }
                }
            }

        """;

    // One seeded bug per analyzer, so the run also shows each analyzer firing at scale.
    private static readonly string[] Violations =
    [
        """
            public long Unchecked(string path) => MemoryMarshal.Read<long>(File.ReadAllBytes(path));

        """,
        """
            public async Task Dropped(CancellationToken ct)
            {
                var file = await _backend.CreateAsync("dropped", ct);
                await file.WriteAsync(new byte[] { 1 }, ct);
                await file.DisposeAsync();
            }

        """,
        """
            public void Renamed(string from, string to) => File.Move(from, to);

        """,
        """
            public async Task Fragile(CancellationToken ct)
            {
                while (true)
                {
                    await WriteAsync("tick", new byte[] { 1 }, ct);
                    await Task.Delay(1000, ct);
                }
            }

        """,
        """
            public async Task Swallowing(IEnumerable<string> manifests, CancellationToken ct)
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
                        continue;
                    }
                }

                foreach (var entry in await _backend.ListAsync("data", ct))
                {
                    if (!keep.Contains(entry.Name))
                    {
                        await _backend.DeleteAsync(entry.Path, ct);
                    }
                }
            }

        """,
        """
            public async Task Ignored(ReadOnlyMemory<byte> batch, CancellationToken ct) => await _shard.CompareAndAppendAsync(_shard.Upper, batch, ct);

        """,
    ];

    /// <summary>
    /// An analyzer that asks for every invocation and does nothing: the cost any operation-based analyzer pays (the
    /// driver, the operation trees), against which the Bulwark analyzers' own work is measured.
    /// </summary>
    // A measuring device for this benchmark, never shipped or loaded by a compiler: the packaging rules do not apply.
#pragma warning disable RS1036, RS1038, RS1041
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class OperationFloorAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [];

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterOperationAction(_ => { }, OperationKind.Invocation);
        }
    }
#pragma warning restore RS1036, RS1038, RS1041
}
