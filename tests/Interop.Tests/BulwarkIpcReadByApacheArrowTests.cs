using System.Text.Json.Nodes;
using Bulwark.Arrow;
using AA = Apache.Arrow;
using AAC = Apache.Arrow.Compression;
using AAI = Apache.Arrow.Ipc;
using AAT = Apache.Arrow.Types;

namespace Bulwark.Interop.Tests;

/// <summary>
/// Bulwark's IPC files and streams of <see cref="AllTypesTable"/>, uncompressed and with LZ4_FRAME and ZSTD bodies,
/// read in process by Apache.Arrow (the C# reference implementation). Schema, row counts, values and nulls are
/// compared with the expectations <see cref="TestTable"/> builds from the source values, as the arrow-js tests do.
/// </summary>
public sealed class BulwarkIpcReadByApacheArrowTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string, ArrowCompression> Cases()
    {
        var data = new TheoryData<string, ArrowCompression>();
        foreach (var format in new[] { "file", "stream" })
        {
            foreach (var compression in Enum.GetValues<ArrowCompression>())
            {
                data.Add(format, compression);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ApacheArrow_reads_Bulwark_all_types_table_exactly(string format, ArrowCompression compression)
    {
        var table = AllTypesTable.Create();
        var path = await WriteAsync(table, format, compression);
        var what = $"Bulwark {format} ({compression}) read by Apache.Arrow";

        // Without a codec factory Apache.Arrow rejects compressed bodies; with it, it must decode Bulwark's frames.
        using var reader = OpenApache(format, path);
        var batches = new JsonArray();
        var rows = 0;
        while (reader.ReadNextRecordBatch() is { } batch)
        {
            using (batch)
            {
                batches.Add(ApacheArrowJson.DescribeBatch(batch));
                rows += batch.Length;
            }
        }

        ArrowJson.AssertEqual(
            ApacheArrowJson.WithoutDictionaryIds(AllTypesTable.ExpectedSchema()),
            ApacheArrowJson.DescribeSchema(reader.Schema),
            $"{what}: schema");
        Assert.Equal(AllTypesTable.BatchSizes.Sum(), rows);
        ArrowJson.AssertEqual(table.ExpectedBatches(AllTypesTable.BatchSizes), batches, $"{what}: batches");

        // Apache.Arrow does not register arrow.uuid by default: the extension name stays in the field's metadata.
        var uuid = reader.Schema.GetFieldByName("uuid");
        Assert.IsType<AAT.FixedSizeBinaryType>(uuid.DataType);
        Assert.Equal(AllTypesTable.UuidExtension, uuid.Metadata[ArrowTypes.ExtensionNameKey]);
    }

    [Theory]
    [InlineData(ArrowCompression.None)]
    [InlineData(ArrowCompression.Lz4Frame)]
    [InlineData(ArrowCompression.Zstd)]
    public async Task ApacheArrow_reads_Bulwark_file_batches_by_index_in_reverse(ArrowCompression compression)
    {
        var table = AllTypesTable.Create();
        var path = await WriteAsync(table, "file", compression);
        var expected = table.ExpectedBatches(AllTypesTable.BatchSizes);

        // Random access goes through the footer's blocks, not the message sequence.
        using var reader = new AAI.ArrowFileReader(File.OpenRead(path), new AAC.CompressionCodecFactory());
        Assert.Equal(AllTypesTable.BatchSizes.Length, await reader.RecordBatchCountAsync());
        for (var index = AllTypesTable.BatchSizes.Length - 1; index >= 0; index--)
        {
            using var batch = await reader.ReadRecordBatchAsync(index);
            ArrowJson.AssertEqual(expected[index], ApacheArrowJson.DescribeBatch(batch), $"Bulwark file ({compression}) batch {index} read by Apache.Arrow");
        }
    }

    /// <summary>Empty batches first, between and last: every buffer is empty, which a compressed body must still frame.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ApacheArrow_reads_Bulwark_empty_batches(string format, ArrowCompression compression)
    {
        var table = AllTypesTable.Create();
        int[] sizes = [0, 5, 0, 3, 0];
        var path = await WriteAsync(table, format, compression, sizes);

        using var reader = OpenApache(format, path);
        var batches = new JsonArray();
        while (reader.ReadNextRecordBatch() is { } batch)
        {
            using (batch)
            {
                batches.Add(ApacheArrowJson.DescribeBatch(batch));
            }
        }

        ArrowJson.AssertEqual(table.ExpectedBatches(sizes), batches, $"Bulwark {format} ({compression}) with empty batches read by Apache.Arrow");
    }

    [Theory]
    [InlineData("file")]
    [InlineData("stream")]
    public async Task Compressed_bodies_are_really_compressed(string format)
    {
        // Guards the compressed cases above against a writer that ignores the option: a repetitive table must shrink.
        var table = new TestTable([AllTypesTable.Primitive<long>("n", AAT.Int64Type.Default, [1, 1, 1, 1, 2], v => ArrowJson.Invariant(v))]);
        var sizes = new[] { 4096 };
        var plain = await WriteAsync(table, format, ArrowCompression.None, sizes);
        foreach (var compression in new[] { ArrowCompression.Lz4Frame, ArrowCompression.Zstd })
        {
            var compressed = await WriteAsync(table, format, compression, sizes);
            Assert.True(new FileInfo(compressed).Length < new FileInfo(plain).Length / 4, $"{compression} {format} is not smaller than a quarter of the uncompressed one");
            using var reader = OpenApache(format, compressed);
            using var batch = reader.ReadNextRecordBatch();
            ArrowJson.AssertEqual(table.ExpectedBatches(sizes)[0], ApacheArrowJson.DescribeBatch(batch), $"{compression} {format} read by Apache.Arrow");
        }
    }

    /// <summary>
    /// With arrow.uuid registered, Apache.Arrow recognises Bulwark's uuid column by its extension name key and its Guids
    /// are the source values: the bytes are in the extension's (RFC 4122) order, not .NET's mixed-endian one.
    /// </summary>
    [Theory]
    [InlineData("file")]
    [InlineData("stream")]
    public async Task ApacheArrow_with_arrow_uuid_registered_reads_Bulwark_uuids_as_the_source_Guids(string format)
    {
        var table = AllTypesTable.Create();
        var path = await WriteAsync(table, format, ArrowCompression.Zstd);
        var registry = new AA.ExtensionTypeRegistry();
        registry.Register(AA.GuidExtensionDefinition.Instance);
        var context = new AA.ArrowContext(AA.Memory.MemoryAllocator.Default.Value, new AAC.CompressionCodecFactory(), registry);

        using var reader = format == "file"
            ? new AAI.ArrowFileReader(context, File.OpenRead(path), leaveOpen: false)
            : new AAI.ArrowStreamReader(context, File.OpenRead(path), leaveOpen: false);
        var guids = new JsonArray();
        while (reader.ReadNextRecordBatch() is { } batch)
        {
            using (batch)
            {
                var uuids = Assert.IsType<AA.GuidArray>(batch.Column("uuid"));
                for (var i = 0; i < uuids.Length; i++)
                {
                    guids.Add(uuids.GetGuid(i)?.ToString("N"));
                }
            }
        }

        Assert.IsType<AA.GuidType>(reader.Schema.GetFieldByName("uuid").DataType);
        ArrowJson.AssertEqual(table.ExpectedColumns(AllTypesTable.BatchSizes.Sum())["uuid"], guids, $"Bulwark {format} uuid column read by Apache.Arrow as GuidArray");
    }

    /// <summary>
    /// Generated records through the user-facing <see cref="ArrowFile.WriteAsync{T}"/> (small batches, each format and
    /// codec): Apache.Arrow reads every member kind back as the records' own JSON says.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ApacheArrow_reads_generated_records_written_by_ArrowFile(string format, ArrowCompression compression)
    {
        var rows = Enumerable.Range(0, 150).Select(ParquetAllMembersRow.Create).ToArray();
        var path = _directory.File($"records-{format}-{compression}.arrow");
        await ArrowFile.WriteAsync(path, rows, new ArrowWriteOptions
        {
            BatchSize = 64,
            Format = format == "file" ? ArrowIpcFormat.File : ArrowIpcFormat.Stream,
            Compression = compression,
        });

        using var reader = OpenApache(format, path);
        var batches = new JsonArray();
        while (reader.ReadNextRecordBatch() is { } batch)
        {
            using (batch)
            {
                batches.Add(ApacheArrowJson.DescribeBatch(batch));
            }
        }

        Assert.Equal([64, 64, 22], batches.Select(b => b!["numRows"]!.GetValue<int>()));
        ArrowJson.AssertEqual(
            ParquetJson.Columns(rows.Select(r => r.ToJson()).ToArray()),
            TestTable.FlattenColumns(new JsonObject { ["batches"] = batches }),
            $"ArrowFile.WriteAsync<ParquetAllMembersRow> ({format}, {compression}) read by Apache.Arrow");
    }

    /// <summary>Apache.Arrow's file or stream reader; the file reader is a stream reader that starts from the footer.</summary>
    private static AAI.ArrowStreamReader OpenApache(string format, string path) => format == "file"
        ? new AAI.ArrowFileReader(File.OpenRead(path), new AAC.CompressionCodecFactory())
        : new AAI.ArrowStreamReader(File.OpenRead(path), new AAC.CompressionCodecFactory());

    private async Task<string> WriteAsync(TestTable table, string format, ArrowCompression compression, IReadOnlyList<int>? sizes = null)
    {
        var path = _directory.File($"bulwark-{format}-{compression}-{Guid.NewGuid():N}.arrow");
        var batches = table.BuildBatches(sizes ?? AllTypesTable.BatchSizes);
        try
        {
            await BulwarkIpc.WriteAsync(format, path, table.Schema, batches, compression);
        }
        finally
        {
            batches.ForEach(b => b.Dispose());
        }

        return path;
    }
}
