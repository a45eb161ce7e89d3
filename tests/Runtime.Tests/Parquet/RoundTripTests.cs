using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Parquet;
using Xunit;

namespace Bulwark.Runtime.Tests.Parquet;

public sealed class RoundTripTests
{
    public static TheoryData<bool, ParquetDataPageVersion, ParquetCompression, bool> Matrix()
    {
        var data = new TheoryData<bool, ParquetDataPageVersion, ParquetCompression, bool>();
        foreach (var nullable in new[] { false, true })
        {
            foreach (var version in new[] { ParquetDataPageVersion.V1, ParquetDataPageVersion.V2 })
            {
                foreach (var codec in Enum.GetValues<ParquetCompression>())
                {
                    foreach (var dictionary in new[] { false, true })
                    {
                        data.Add(nullable, version, codec, dictionary);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task EveryTypeRoundTrips(bool nullable, ParquetDataPageVersion version, ParquetCompression codec, bool dictionary)
    {
        using var batch = AllTypes.Batch(500, nullable, seed: 7);
        var options = new ParquetWriteOptions { DataPageVersion = version, Compression = codec, DictionaryEnabled = dictionary, PageSize = 512, RowGroupSize = 200 };
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], options);
        var (schema, read) = await Pq.ReadAsync(bytes);
        Pq.AssertEqual(batch.Schema, schema);
        Assert.Equal(3, read.Count);
        Pq.AssertSameRows([batch], read);
        foreach (var b in read)
        {
            b.Dispose();
        }
    }

    [Fact]
    public async Task EmptyFileAndEmptyBatchesRoundTrip()
    {
        using var batch = AllTypes.Batch(0, true, seed: 1);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch]);
        var (schema, read) = await Pq.ReadAsync(bytes);
        Pq.AssertEqual(batch.Schema, schema);
        Assert.Empty(read);
    }

    [Fact]
    public async Task UniqueValuesFallBackToPlainAndRepeatedOnesUseTheDictionary()
    {
        using var unique = AllTypes.Batch(3000, false, seed: 3, repetitive: false);
        var bytes = await Pq.WriteAsync(unique.Schema, [unique], new ParquetWriteOptions { DictionaryPageSizeLimit = 1024 });
        var (_, read) = await Pq.ReadAsync(bytes);
        Pq.AssertSameRows([unique], read);
        var encodings = await ParquetInspect.EncodingsAsync(bytes);
        Assert.DoesNotContain(8, encodings["str"]);
        Assert.Contains(8, encodings["enum"]);

        using var repeated = AllTypes.Batch(3000, false, seed: 3, repetitive: true);
        bytes = await Pq.WriteAsync(repeated.Schema, [repeated]);
        encodings = await ParquetInspect.EncodingsAsync(bytes);
        Assert.Contains(8, encodings["str"]);
        Assert.Contains(8, encodings["i32"]);
        Assert.DoesNotContain(8, encodings["bool"]);
    }

    [Fact]
    public async Task WithoutTheArrowSchemaTheParquetTypesAreDerived()
    {
        using var batch = AllTypes.Batch(50, true, seed: 5);
        var bytes = await Pq.WriteAsync(batch.Schema, [batch]);
        var stripped = ParquetInspect.WithoutArrowSchema(bytes);
        var (schema, read) = await Pq.ReadAsync(stripped);
        Pq.AssertEqual(Int64Type.Default, schema.GetFieldByName("dur").DataType);
        Pq.AssertEqual(StringType.Default, schema.GetFieldByName("enum").DataType);
        Assert.IsNotType<DictionaryType>(schema.GetFieldByName("enum").DataType);
        Assert.Equal("arrow.uuid", ArrowTypes.ExtensionName(schema.GetFieldByName("uuid")));
        Pq.AssertEqual(AllTypes.Ts, schema.GetFieldByName("ts").DataType);
        Pq.AssertEqual(new Decimal128Type(38, 10), schema.GetFieldByName("d38").DataType);
        Pq.AssertEqual(UInt16Type.Default, schema.GetFieldByName("u16").DataType);
        var items = Assert.IsType<ListType>(schema.GetFieldByName("ints").DataType);
        Assert.Equal("element", items.ValueField.Name);
        Assert.Equal(batch.Length, read.Single().Length);
        var enumColumn = Assert.IsType<StringArray>(read[0].Column("enum"));
        var source = Assert.IsType<DictionaryArray>(batch.Column("enum"));
        for (var i = 0; i < batch.Length; i++)
        {
            Assert.Equal(source.IsNull(i) ? null : ((StringArray)source.Dictionary).GetString(Pq.Index(source, i)), enumColumn.GetString(i));
        }
    }
}
