using System.Text.Json.Nodes;
using Apache.Arrow;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;

namespace Bulwark.Interop.Tests;

/// <summary>
/// IPC files and streams written by apache-arrow (JS) with every type Bulwark supports, read by Bulwark. The script
/// prints the values it meant to write, built from its source values, and Bulwark's reading must equal them.
/// </summary>
public sealed class ArrowJsIpcReadByBulwarkTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    [NodeFact]
    public async Task File_written_by_apache_arrow_reads_exactly_in_any_batch_order()
    {
        var (path, expected, diagnostics) = await WriteWithArrowJsAsync("file");

        await using var reader = await ArrowIpcFileReader.OpenAsync(File.OpenRead(path), "apache-arrow.arrow");
        var expectedBatches = expected["batches"]!.AsArray();
        Assert.Equal(expectedBatches.Count, reader.BatchCount);

        var sequential = new JsonArray();
        await foreach (var batch in reader.ReadAllAsync(CancellationToken.None))
        {
            using (batch)
            {
                sequential.Add(ArrowJson.DescribeBatch(batch));
            }
        }

        ArrowJson.AssertEqual(expected, Describe("file", reader.Schema, sequential), "apache-arrow file read by ArrowIpcFileReader.ReadAllAsync", diagnostics);

        // Random access goes through the footer's blocks rather than the message sequence: read backwards.
        for (var index = reader.BatchCount - 1; index >= 0; index--)
        {
            using var batch = await reader.ReadBatchAsync(index, CancellationToken.None);
            ArrowJson.AssertEqual(expectedBatches[index], ArrowJson.DescribeBatch(batch), $"apache-arrow file batch {index} read by ArrowIpcFileReader.ReadBatchAsync", diagnostics);
        }
    }

    [NodeFact]
    public async Task Stream_written_by_apache_arrow_reads_exactly()
    {
        var (path, expected, diagnostics) = await WriteWithArrowJsAsync("stream");

        await using var reader = await ArrowIpcStreamReader.OpenAsync(File.OpenRead(path), "apache-arrow.arrows");
        var schema = reader.Schema;
        var batches = new JsonArray();
        while (await reader.ReadNextBatchAsync(CancellationToken.None) is { } batch)
        {
            using (batch)
            {
                batches.Add(ArrowJson.DescribeBatch(batch));
            }
        }

        Assert.Null(await reader.ReadNextBatchAsync(CancellationToken.None));
        ArrowJson.AssertEqual(expected, Describe("stream", schema, batches), "apache-arrow stream read by ArrowIpcStreamReader", diagnostics);
    }

    private static JsonObject Describe(string format, Schema schema, JsonArray batches) => new()
    {
        ["format"] = format,
        ["schema"] = ArrowJson.DescribeSchema(schema),
        ["numRows"] = batches.Sum(b => b!["numRows"]!.GetValue<int>()),
        ["batches"] = batches,
    };

    private async Task<(string Path, JsonNode Expected, string Diagnostics)> WriteWithArrowJsAsync(string format)
    {
        var path = _directory.File(format == "file" ? "apache-arrow.arrow" : "apache-arrow.arrows");
        var result = await NodeEnvironment.RunScriptAsync("write-arrow.mjs", [path, format]);
        var expected = ArrowJson.Parse(result.StandardOutput, "write-arrow.mjs");

        // Guards the script itself: the file must hold the schema Bulwark's mapping produces, not whatever arrow-js chose.
        var types = expected["schema"]!["fields"]!.AsArray().Select(f => f!["type"]!.GetValue<string>()).ToArray();
        Assert.Equal(
            ["int64", "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64", "decimal128(38, 10)",
             "utf8", "binary", "fixed_size_binary(16)", "date32[day]", "time64[us]", "timestamp[us, UTC]", "duration[us]", "utf8", "list", "list", "struct"],
            types);
        return (path, expected, $"write-arrow.mjs stderr:\n{result.StandardError}");
    }

    public void Dispose() => _directory.Dispose();
}
