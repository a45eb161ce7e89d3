using System.Text.Json.Nodes;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Records;

namespace Bulwark.Interop.Tests;

/// <summary>IPC files and streams written by Bulwark, read by apache-arrow (JS): schema, every value, every null.</summary>
public sealed class BulwarkIpcReadByArrowJsTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    [NodeFact]
    public Task All_types_file_in_several_batches_reads_back_exactly() => AllTypesRoundTripAsync("file");

    [NodeFact]
    public Task All_types_stream_in_several_batches_reads_back_exactly() => AllTypesRoundTripAsync("stream");

    /// <summary>
    /// Twenty batches sharing two dictionaries (the file format allows one non-delta dictionary per id), with
    /// batches of one row, batches where every index is null and batches that use only part of the dictionary.
    /// </summary>
    [NodeTheory]
    [InlineData("file")]
    [InlineData("stream")]
    public async Task Dictionary_columns_over_twenty_batches_read_back_exactly(string format)
    {
        var sizes = Enumerable.Range(0, 20).Select(i => i switch { 0 => 1, 5 => 2, _ => ((i * 7) % 23) + 1 }).ToArray();
        var allNullStart = sizes.Take(5).Sum();
        var allNullEnd = allNullStart + sizes[5];
        var table = new TestTable(
        [
            new ColumnSpec<PrimitiveColumnBuilder<int>, int>(
                new Field("seq", Int32Type.Default, nullable: false),
                row => row,
                () => new PrimitiveColumnBuilder<int>(Int32Type.Default),
                (b, v) => b.Append(v),
                v => v),
            AllTypesTable.Dictionary("color", [0, 1, 2, 3, 4, null, 4, 3, 2, 1, 0, null, null]),
            AllTypesTable.Dictionary("other", row => row >= allNullStart && row < allNullEnd ? null : (row % 3) switch { 0 => 4, 1 => null, _ => 0 }),
        ]);
        var schema = JsonNode.Parse(
            """
            {
              "metadata": {},
              "fields": [
                { "name": "seq", "type": "int32", "nullable": false, "metadata": {}, "dictionary": null, "children": [] },
                { "name": "color", "type": "utf8", "nullable": true, "metadata": {}, "dictionary": { "id": 0, "indexType": "int32", "ordered": false }, "children": [] },
                { "name": "other", "type": "utf8", "nullable": true, "metadata": {}, "dictionary": { "id": 1, "indexType": "int32", "ordered": false }, "children": [] }
              ]
            }
            """)!;
        var expected = ExpectedTable(format, schema, table, sizes);

        var actual = await WriteAndReadAsync(format, table, sizes);

        ArrowJson.AssertEqual(expected, actual.Json, $"dictionary {format} read by apache-arrow", actual.Diagnostics);
    }

    /// <summary>Zero-row batches around a non-empty one keep their place: every buffer of them is empty or just an offset 0.</summary>
    [NodeTheory]
    [InlineData("file")]
    [InlineData("stream")]
    public async Task Zero_row_batches_of_all_types_read_back_exactly(string format)
    {
        var table = AllTypesTable.Create();
        int[] sizes = [0, 3, 0];
        var expected = ExpectedTable(format, AllTypesTable.ExpectedSchema(), table, sizes);

        var actual = await WriteAndReadAsync(format, table, sizes);

        ArrowJson.AssertEqual(expected, actual.Json, $"zero-row batches in a {format} read by apache-arrow", actual.Diagnostics);
    }

    /// <summary>A file or stream with a schema and no batch at all (arrow-js shows it as one empty batch or none).</summary>
    [NodeTheory]
    [InlineData("file")]
    [InlineData("stream")]
    public async Task Schema_without_batches_reads_back_exactly(string format)
    {
        var actual = await WriteAndReadAsync(format, AllTypesTable.Create(), []);

        ArrowJson.AssertEqual(AllTypesTable.ExpectedSchema(), actual.Json["schema"], $"schema of an empty {format} read by apache-arrow", actual.Diagnostics);
        Assert.Equal(format, actual.Json["format"]!.GetValue<string>());
        Assert.Equal(0, actual.Json["numRows"]!.GetValue<int>());
        Assert.All(actual.Json["batches"]!.AsArray(), b => Assert.Equal(0, b!["numRows"]!.GetValue<int>()));
    }

    private async Task AllTypesRoundTripAsync(string format)
    {
        var table = AllTypesTable.Create();
        var expected = ExpectedTable(format, AllTypesTable.ExpectedSchema(), table, AllTypesTable.BatchSizes);

        var actual = await WriteAndReadAsync(format, table, AllTypesTable.BatchSizes);

        ArrowJson.AssertEqual(expected, actual.Json, $"all-types {format} read by apache-arrow", actual.Diagnostics);
    }

    private static JsonObject ExpectedTable(string format, JsonNode schema, TestTable table, int[] sizes) => new()
    {
        ["format"] = format,
        ["schema"] = schema,
        ["numRows"] = sizes.Sum(),
        ["batches"] = table.ExpectedBatches(sizes),
    };

    private async Task<(JsonNode Json, string Diagnostics)> WriteAndReadAsync(string format, TestTable table, int[] sizes)
    {
        var path = _directory.File(format == "file" ? "bulwark.arrow" : "bulwark.arrows");
        var batches = table.BuildBatches(sizes);
        try
        {
            await BulwarkIpc.WriteAsync(format, path, table.Schema, batches);
        }
        finally
        {
            batches.ForEach(b => b.Dispose());
        }

        var result = await NodeEnvironment.RunScriptAsync("read-arrow.mjs", [path]);
        return (ArrowJson.Parse(result.StandardOutput, "read-arrow.mjs"), $"read-arrow.mjs stderr:\n{result.StandardError}");
    }

    public void Dispose() => _directory.Dispose();
}
