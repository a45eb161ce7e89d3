using System.Buffers.Binary;
using System.Text.Json.Nodes;

namespace Bulwark.Interop.Tests;

/// <summary>
/// Bulwark IPC loaded by parquet-wasm, i.e. arrow-rs, whose strict flatbuffer verifier rejects misaligned or
/// malformed metadata that arrow-js tolerates; the values are then checked after arrow-rs re-encodes them as IPC and
/// after a Parquet write and read by arrow-rs.
/// </summary>
public sealed class BulwarkIpcAcceptedByArrowRsTests : IDisposable
{
    private static readonly byte[] FileMagic = "ARROW1"u8.ToArray();

    private readonly TestDirectory _directory = new();

    [NodeFact]
    public async Task All_types_stream_is_accepted_and_round_trips_through_parquet()
    {
        var streamPath = _directory.File("bulwark.arrows");
        await WriteAllTypesAsync("stream", streamPath);

        await AssertArrowRsRoundTripsAsync(streamPath, "Bulwark stream");
    }

    /// <summary>
    /// A file's messages, between the 8-byte leading magic and the footer, must form a valid stream (EOS included):
    /// arrow-rs reads exactly that section as a stream, checking the file's message framing and padding.
    /// </summary>
    [NodeFact]
    public async Task All_types_file_message_section_is_a_stream_arrow_rs_accepts()
    {
        var filePath = _directory.File("bulwark.arrow");
        await WriteAllTypesAsync("file", filePath);

        var bytes = await File.ReadAllBytesAsync(filePath);
        Assert.True(bytes.AsSpan(0, 6).SequenceEqual(FileMagic), "file does not start with ARROW1");
        Assert.True(bytes.AsSpan(bytes.Length - 6).SequenceEqual(FileMagic), "file does not end with ARROW1");
        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(bytes.Length - 10, 4));
        var messagesEnd = bytes.Length - 10 - footerLength;
        Assert.InRange(messagesEnd, 8, bytes.Length - 10);
        var streamPath = _directory.File("messages.arrows");
        await File.WriteAllBytesAsync(streamPath, bytes[8..messagesEnd]);

        await AssertArrowRsRoundTripsAsync(streamPath, "messages of a Bulwark file");
    }

    private static async Task WriteAllTypesAsync(string format, string path)
    {
        var table = AllTypesTable.Create();
        var batches = table.BuildBatches(AllTypesTable.BatchSizes);
        try
        {
            await BulwarkIpc.WriteAsync(format, path, table.Schema, batches);
        }
        finally
        {
            batches.ForEach(b => b.Dispose());
        }
    }

    private static async Task AssertArrowRsRoundTripsAsync(string streamPath, string what)
    {
        var table = AllTypesTable.Create();
        var sizes = AllTypesTable.BatchSizes;
        var result = await NodeEnvironment.RunScriptAsync("parquet-wasm-accept.mjs", [streamPath]);
        var diagnostics = $"parquet-wasm-accept.mjs stderr:\n{result.StandardError}";
        var json = ArrowJson.Parse(result.StandardOutput, "parquet-wasm-accept.mjs");

        Assert.True(sizes.Length == json["rustBatchCount"]!.GetValue<int>(), $"arrow-rs read {json["rustBatchCount"]} batches from the {what}; {sizes.Length} were written.\n{diagnostics}");

        var expectedIpc = new JsonObject
        {
            ["format"] = "stream",
            ["schema"] = AllTypesTable.ExpectedSchema(),
            ["numRows"] = sizes.Sum(),
            ["batches"] = table.ExpectedBatches(sizes),
        };
        ArrowJson.AssertEqual(expectedIpc, json["ipc"], $"{what} loaded by arrow-rs, re-encoded as IPC, read by apache-arrow", diagnostics);

        // Parquet regroups rows into row groups, so the values are compared column by column over all rows.
        var parquet = json["parquet"]!;
        ArrowJson.AssertEqual(AllTypesTable.ExpectedSchema(), parquet["schema"], $"{what} through Parquet (arrow-rs): schema", diagnostics);
        Assert.True(sizes.Sum() == parquet["numRows"]!.GetValue<int>(), $"{what} through Parquet: {parquet["numRows"]} rows, expected {sizes.Sum()}.\n{diagnostics}");
        ArrowJson.AssertEqual(table.ExpectedColumns(sizes.Sum()), TestTable.FlattenColumns(parquet), $"{what} through Parquet (arrow-rs): values", diagnostics);
    }

    public void Dispose() => _directory.Dispose();
}
