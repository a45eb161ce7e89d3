using System.IO.Compression;
using System.Text.Json.Nodes;
using Apache.Arrow;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using Xunit.Abstractions;

namespace Bulwark.Interop.Tests.Conformance;

/// <summary>
/// Every file of the public conformance corpora, each with its expected outcome: read (Arrow files compared value by
/// value with their golden JSON, Parquet files value by value with DuckDB, see the Parquet part) or refused with a typed
/// error that says "not supported" and names the feature (or, for the corpus's deliberately damaged files, says what is
/// damaged). The fuzzer-found files of arrow-testing may only read or raise ArrowFormatException.
/// </summary>
public sealed partial class ConformanceCorpusTests(ITestOutputHelper output)
{
    /// <summary>Arrow integration files (by name, in every version directory) refused for an unsupported type.</summary>
    private static readonly Dictionary<string, string> ArrowRefusals = new(StringComparer.Ordinal)
    {
        ["generated_list_view"] = "ListView is not supported",
        ["generated_run_end_encoded"] = "RunEndEncoded is not supported",
    };

    [ConformanceFact]
    public async Task Every_arrow_integration_file_equals_its_golden_json_or_is_refused_by_name()
    {
        var files = Directory.EnumerateFiles(ConformanceCorpus.ArrowIpcIntegration, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".arrow_file", StringComparison.Ordinal) || f.EndsWith(".stream", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(files);
        var failures = new List<string>();
        int exact = 0, refused = 0;
        foreach (var path in files)
        {
            var name = Path.GetRelativePath(ConformanceCorpus.ArrowIpcIntegration, path).Replace('\\', '/');
            var stem = Path.GetFileNameWithoutExtension(path);
            var refusal = name.StartsWith("1.0.0-bigendian/", StringComparison.Ordinal) ? "big-endian data is not supported" : ArrowRefusals.GetValueOrDefault(stem);
            try
            {
                var batches = await ReadIpcAsync(path, name);
                if (refusal is not null)
                {
                    failures.Add($"{name}: read, expected a refusal containing \"{refusal}\"");
                    continue;
                }

                var golden = JsonNode.Parse(await ReadGzipAsync(Path.Combine(Path.GetDirectoryName(path)!, stem + ".json.gz")))!.AsObject();
                if (GoldenJson.Compare(golden, batches) is { } difference)
                {
                    failures.Add($"{name}: {difference}");
                }
                else
                {
                    exact++;
                }
            }
            catch (ArrowFormatException e) when (refusal is not null && e.Message.Contains(refusal, StringComparison.Ordinal))
            {
                refused++;
            }
            catch (Exception e)
            {
                failures.Add($"{name}: {e.GetType().Name}: {e.Message}");
            }
        }

        output.WriteLine($"arrow-testing integration: {files.Length} files, {exact} equal to their golden JSON, {refused} refused as expected");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [ConformanceFact]
    public async Task Every_fuzzer_found_arrow_file_reads_or_raises_ArrowFormatException()
    {
        var failures = new List<string>();
        int read = 0, refused = 0, total = 0;
        foreach (var (directory, isFile) in new[] { (ConformanceCorpus.ArrowIpcStreamFuzz, false), (ConformanceCorpus.ArrowIpcFileFuzz, true) })
        {
            foreach (var path in Directory.EnumerateFiles(directory).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                total++;
                var name = Path.GetFileName(path);
                try
                {
                    await (isFile ? ReadFileFormatAsync(path, name) : ReadStreamFormatAsync(path, name));
                    read++;
                }
                catch (ArrowFormatException)
                {
                    refused++;
                }
                catch (Exception e)
                {
                    failures.Add($"{name}: {e.GetType().Name}: {e.Message}");
                }
            }
        }

        output.WriteLine($"arrow-testing fuzz corpus: {total} files, {read} read, {refused} refused with ArrowFormatException");
        Assert.True(total > 0, "no fuzz corpus files found");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static Task<List<RecordBatch>> ReadIpcAsync(string path, string name) =>
        path.EndsWith(".arrow_file", StringComparison.Ordinal) ? ReadFileFormatAsync(path, name) : ReadStreamFormatAsync(path, name);

    private static async Task<List<RecordBatch>> ReadFileFormatAsync(string path, string name)
    {
        var reader = await ArrowIpcFileReader.OpenAsync(File.OpenRead(path), name);
        await using (reader)
        {
            var batches = new List<RecordBatch>();
            await foreach (var batch in reader.ReadAllAsync())
            {
                batches.Add(batch);
            }

            return batches;
        }
    }

    private static async Task<List<RecordBatch>> ReadStreamFormatAsync(string path, string name)
    {
        var reader = await ArrowIpcStreamReader.OpenAsync(File.OpenRead(path), name);
        await using (reader)
        {
            var batches = new List<RecordBatch>();
            while (await reader.ReadNextBatchAsync() is { } batch)
            {
                batches.Add(batch);
            }

            return batches;
        }
    }

    private static async Task<string> ReadGzipAsync(string path)
    {
        await using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var text = new StreamReader(gzip);
        return await text.ReadToEndAsync();
    }
}
