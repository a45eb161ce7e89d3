using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using Bulwark.Generators.Tests.RoundTrip;
using Bulwark.Parquet;
using Bulwark.Records;

namespace Bulwark.Generators.Tests;

/// <summary>
/// Map columns Bulwark did not build: Apache.Arrow's own MapArray builder, slices of Bulwark's batches, hostile maps
/// (duplicate and null keys), and the map files of the parquet-testing corpus.
/// </summary>
public sealed class MapInteropTests
{
    /// <summary>The copy of apache/parquet-testing vendored in tests/Conformance (this file is in tests/Generators.Tests).</summary>
    private static readonly string Corpus = CorpusDirectory();

    private static readonly Schema CountsSchema = new(
        [new Field("Id", Int32Type.Default, false), new Field("Counts", new MapType(StringType.Default, Int64Type.Default, nullable: false), true)],
        null);

    /// <summary>A batch of CountsOnly built with Apache.Arrow's builders: rows hold (key, value) pairs, or null for a null map.</summary>
    private static RecordBatch ApacheBatch(params (string Key, long Value)[]?[] rows)
    {
        var ids = new Int32Array.Builder();
        var maps = new MapArray.Builder((MapType)CountsSchema.FieldsList[1].DataType);
        var keys = (StringArray.Builder)maps.KeyBuilder;
        var values = (Int64Array.Builder)maps.ValueBuilder;
        for (var i = 0; i < rows.Length; i++)
        {
            ids.Append(i);
            if (rows[i] is not { } entries)
            {
                maps.AppendNull();
                continue;
            }

            maps.Append();
            foreach (var (key, value) in entries)
            {
                keys.Append(key);
                values.Append(value);
            }
        }

        return new RecordBatch(CountsSchema, [ids.Build(), maps.Build()], rows.Length);
    }

    [Fact]
    public void AMapBuiltByApacheArrowIsReadIntoTheRecord()
    {
        using var batch = ApacheBatch([("a", 1), ("b", 2)], [], [("z", long.MinValue)]);
        var read = CountsOnly.ReadBatch(batch);
        Assert.Equal(3, read.Length);
        Assert.Equal([new("a", 1L), new("b", 2L)], read[0].Counts);
        Assert.Empty(read[1].Counts);
        Assert.Equal([new("z", long.MinValue)], read[2].Counts);
    }

    [Fact]
    public void ANullMapWhereTheMemberCannotBeNullIsRefused()
    {
        using var batch = ApacheBatch([("a", 1)], null);
        var error = Assert.ThrowsAny<ArrowSchemaMismatchException>(() => CountsOnly.ReadBatch(batch));
        Assert.Contains("'Counts'", error.Message);
        Assert.Contains("row 1", error.Message);
    }

    [Fact]
    public void ADuplicateKeyInOneMapIsRefusedNotOverwritten()
    {
        using var batch = ApacheBatch([("a", 1)], [("k", 1), ("x", 2), ("k", 3)]);
        var error = Assert.Throws<ArrowValueException>(() => CountsOnly.ReadBatch(batch));
        Assert.Equal("Bulwark.Generators.Tests.RoundTrip.CountsOnly", error.RecordType);
        Assert.Equal("Counts", error.Column);
        Assert.Equal(1, error.Row);
        Assert.Equal(2, error.Item);
        Assert.Contains("key 'k' twice", error.Message);
    }

    /// <summary>
    /// Apache's builder will not write a null key into a non-nullable key field, so the layout is built by hand: one map
    /// of two entries whose second key is null.
    /// </summary>
    private static RecordBatch NullKeyBatch()
    {
        var keys = new StringArray.Builder().Append("a").AppendNull().Build();
        var values = new Int64Array.Builder().Append(1).Append(2).Build();
        var type = (MapType)CountsSchema.FieldsList[1].DataType;
        var entries = new StructArray(type.KeyValueType, 2, [keys, values], ArrowBuffer.Empty, 0);
        var offsets = new ArrowBuffer(new byte[] { 0, 0, 0, 0, 2, 0, 0, 0 });
        var map = new MapArray(type, 1, offsets, entries, ArrowBuffer.Empty, 0, 0);
        return new RecordBatch(CountsSchema, [new Int32Array.Builder().Append(7).Build(), map], 1);
    }

    [Fact]
    public async Task WritersRefuseANullKey()
    {
        using var batch = NullKeyBatch();
        await using var arrow = new ArrowIpcFileWriter(new MemoryStream(), CountsSchema);
        var ipcError = await Assert.ThrowsAsync<ArrowFormatException>(async () => await arrow.WriteBatchAsync(batch));
        Assert.Contains("'Counts.entries.key' is declared non-nullable", ipcError.Message);

        await using var parquet = new ParquetFileWriter(new MemoryStream(), CountsSchema);
        var parquetError = await Assert.ThrowsAsync<ArgumentException>(async () => await parquet.WriteBatchAsync(batch));
        Assert.Contains("Counts.entries.key", parquetError.Message);
    }

    [Fact]
    public void ANullKeyIsRefused()
    {
        using var batch = NullKeyBatch();
        var error = Assert.Throws<ArrowValueException>(() => CountsOnly.ReadBatch(batch));
        Assert.Equal("Counts", error.Column);
        Assert.Equal(0, error.Row);
        Assert.Equal(1, error.Item);
        Assert.Contains("null key", error.Message);
    }

    [Fact]
    public async Task SlicesOfAMapBatchWriteOnlyTheirRows()
    {
        var rows = MapTests.Rows(50);
        using var builder = Maps.CreateBatchBuilder();
        foreach (var row in rows)
        {
            builder.Append(row);
        }

        using var batch = builder.Build();
        foreach (var (offset, length) in new[] { (0, 50), (3, 17), (13, 0), (49, 1), (8, 40) })
        {
            var expected = rows.Skip(offset).Take(length).ToArray();
            var slice = batch.Slice(offset, length);
            Structural.Equal(expected, Maps.ReadBatch(slice));

            using var arrow = new MemoryStream();
            await using (var writer = new ArrowIpcFileWriter(arrow, Maps.ArrowSchema, leaveOpen: true))
            {
                await writer.WriteBatchAsync(slice);
                await writer.CompleteAsync();
            }

            arrow.Position = 0;
            await using (var reader = await ArrowIpcFileReader.OpenAsync(arrow, "slice.arrow", leaveOpen: true))
            {
                var read = new List<Maps>();
                await foreach (var b in reader.ReadAllAsync())
                {
                    read.AddRange(Maps.ReadBatch(b));
                }

                Structural.Equal(expected, read.ToArray());
            }

            using var parquet = new MemoryStream();
            await using (var writer = new ParquetFileWriter(parquet, Maps.ArrowSchema, leaveOpen: true))
            {
                await writer.WriteBatchAsync(slice);
                await writer.CompleteAsync();
            }

            var path = Path.Combine(Path.GetTempPath(), "bulwark-map-slice-" + Guid.NewGuid().ToString("N") + ".parquet");
            await File.WriteAllBytesAsync(path, parquet.ToArray());
            try
            {
                Structural.Equal(expected, (await ParquetFile.ReadAsync<Maps>(path)).ToArray());
            }
            finally
            {
                File.Delete(path);
            }
        }
    }

    [Fact]
    public async Task ImpalaMapsReadAsWritten()
    {
        var required = await ParquetFile.ReadAsync<ImpalaRequired>(Corpus + "nonnullable.impala.parquet");
        var row = Assert.Single(required);
        Assert.Equal(8, row.Id);
        Assert.Equal([new("k1", -1)], row.IntMap);

        var nullable = await ParquetFile.ReadAsync<ImpalaNullable>(Corpus + "nullable.impala.parquet");
        Assert.Equal(7, nullable.Count);
        Assert.Equal([new("k1", 1), new("k2", (int?)100)], nullable[0].IntMap!);
        Assert.Equal([new("k1", 2), new("k2", (int?)null)], nullable[1].IntMap!);
        Assert.Empty(nullable[2].IntMap!);
        Assert.Empty(nullable[4].IntMap!);
        Assert.Null(nullable[5].IntMap);
        Assert.Equal([new("k1", (int?)null), new("k3", (int?)null)], nullable[6].IntMap!);
    }

    [Fact]
    public async Task NestedMapsReadAsApacheMapArrays()
    {
        var lines = new List<string>();
        await foreach (var batch in ParquetFile.ReadBatchesAsync(Corpus + "nested_maps.snappy.parquet"))
        {
            Assert.Equal("map<utf8, map<int32, bool>>", ArrowTypes.Describe(batch.Schema.FieldsList[0].DataType));
            var outer = (MapArray)batch.Column(0);
            var keys = (StringArray)outer.Keys;
            var inner = (MapArray)outer.Values;
            var innerKeys = (Int32Array)inner.Keys;
            var innerValues = (BooleanArray)inner.Values;
            for (var i = 0; i < outer.Length; i++)
            {
                var parts = new List<string>();
                for (var j = outer.ValueOffsets[i]; j < outer.ValueOffsets[i + 1]; j++)
                {
                    var entries = new List<string>();
                    for (var k = inner.ValueOffsets[j]; k < inner.ValueOffsets[j + 1]; k++)
                    {
                        entries.Add($"{innerKeys.GetValue(k)}={innerValues.GetValue(k)}");
                    }

                    parts.Add(keys.GetString(j) + ":{" + string.Join(",", entries) + "}");
                }

                lines.Add(string.Join(",", parts));
            }

            batch.Dispose();
        }

        Assert.Equal(["a:{1=True,2=False}", "b:{1=True}", "c:{}", "d:{}", "e:{1=True}", "f:{3=True,4=False,5=True}"], lines);
    }

    [Fact]
    public async Task AMapWhoseKeyIsDeclaredOptionalIsRead()
    {
        // Presto writes the key optional (GH-37389); the format requires it, the data has none null.
        var read = await ParquetFile.ReadAsync<PrestoMap>(Corpus + "incorrect_map_schema.parquet");
        var row = Assert.Single(read);
        Assert.NotEmpty(row.MyMap);
    }

    [Fact]
    public async Task AMapWithoutValuesIsRefusedByName()
    {
        var error = await Assert.ThrowsAsync<ParquetFormatException>(async () =>
        {
            await foreach (var batch in ParquetFile.ReadBatchesAsync(Corpus + "map_no_value.parquet"))
            {
                batch.Dispose();
            }
        });
        Assert.Contains("MAP group 'my_map_no_v' has keys but no values", error.Message);
    }

    private static string CorpusDirectory([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "Conformance", "parquet-testing", "data") + Path.DirectorySeparatorChar;
}
