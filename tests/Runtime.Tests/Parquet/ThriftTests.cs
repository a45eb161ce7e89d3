using Bulwark.Arrow;
using Bulwark.Parquet;
using Xunit;

namespace Bulwark.Runtime.Tests.Parquet;

/// <summary>The compact protocol's exact bytes (from the Thrift compact-protocol spec) and its defences.</summary>
public sealed class ThriftTests
{
    private static byte[] Write(Action<ThriftWriter> body)
    {
        var buffer = new PooledBuffer();
        var writer = new ThriftWriter(buffer);
        body(writer);
        var bytes = buffer.Written.ToArray();
        buffer.Release();
        return bytes;
    }

    [Fact]
    public void ShortFieldHeadersCarryTheIdDeltaInTheHighNibble()
    {
        var bytes = Write(w =>
        {
            w.StructBegin();
            w.I32(1, 3);
            w.I32(4, -1);
            w.StructEnd();
        });

        // 0x15: delta 1, type i32; zigzag(3) = 6. 0x35: delta 3, type i32; zigzag(-1) = 1. 0x00: stop.
        Assert.Equal(new byte[] { 0x15, 0x06, 0x35, 0x01, 0x00 }, bytes);
    }

    [Fact]
    public void LongFieldHeadersUseTheTypeByteAndAZigZagId()
    {
        var bytes = Write(w =>
        {
            w.StructBegin();
            w.I64(20, 1);
            w.I64(3, 150);
            w.StructEnd();
        });

        // Delta 20 > 15: 0x06 then zigzag(20) = 40. Negative delta: 0x06 then zigzag(3) = 6. zigzag(150) = 300 = AC 02.
        Assert.Equal(new byte[] { 0x06, 40, 0x02, 0x06, 0x06, 0xAC, 0x02, 0x00 }, bytes);
    }

    [Fact]
    public void BoolFieldsCarryTheValueInTheTypeNibble()
    {
        var bytes = Write(w =>
        {
            w.StructBegin();
            w.Bool(1, true);
            w.Bool(2, false);
            w.StructEnd();
        });
        Assert.Equal(new byte[] { 0x11, 0x12, 0x00 }, bytes);
    }

    [Fact]
    public void ListHeadersPackSmallSizesAndSpillLargeOnes()
    {
        var small = Write(w => w.ListHeader(TType.I32, 3));
        Assert.Equal(new byte[] { 0x35 }, small);
        var large = Write(w => w.ListHeader(TType.Struct, 300));
        Assert.Equal(new byte[] { 0xFC, 0xAC, 0x02 }, large);
    }

    [Fact]
    public void NestedStructsKeepTheirOwnLastFieldId()
    {
        var bytes = Write(w =>
        {
            w.StructBegin();
            w.I32(5, 0);
            w.StructField(7);
            w.I32(1, 0);
            w.StructEnd();
            w.I32(8, 0);
            w.StructEnd();
        });

        // After the nested struct ends, field 8 is a delta of 1 from field 7 of the outer struct.
        Assert.Equal(new byte[] { 0x55, 0x00, 0x2C, 0x15, 0x00, 0x00, 0x15, 0x00, 0x00 }, bytes);
    }

    [Fact]
    public void FileMetaDataRoundTripsAndUnknownFieldsAreSkipped()
    {
        var metadata = new FileMetaData
        {
            Version = 2,
            NumRows = 1234567890123,
            CreatedBy = "bulwark version 1.2.3",
            ColumnOrders = 1,
            Schema =
            [
                new SchemaElement { Name = "schema", NumChildren = 1 },
                new SchemaElement { Name = "ts", Type = PhysicalType.Int64, RepetitionType = Repetition.Optional, ConvertedType = ConvertedType.TimestampMicros, LogicalType = new LogicalTypeInfo(LogicalKind.Timestamp) { IsAdjustedToUtc = true, Unit = 2 } },
            ],
        };
        metadata.KeyValueMetadata.Add(new("k", "v"));
        var bytes = Write(w => MetadataCodec.Write(w, metadata));

        // Splice an unknown field (id 100: a list of two structs holding a map and a double) before the stop byte.
        var unknown = Write(w =>
        {
            w.FieldHeader(100, TType.List);
            w.ListHeader(TType.Struct, 2);
            for (var i = 0; i < 2; i++)
            {
                w.StructBegin();
                w.FieldHeader(1, TType.Map);
                w.WriteVarint(1);
                w.I32Value(0);
                w.StructEnd();
            }
        });
        var unknownFixed = unknown.ToList();
        var mapAt = Array.IndexOf(unknown, (byte)0x1B);
        unknownFixed.Insert(mapAt + 2, 0x55);
        unknownFixed.Insert(mapAt + 3, 0x02);
        unknownFixed.Insert(mapAt + 4, 0x04);
        mapAt = unknownFixed.LastIndexOf(0x1B);
        unknownFixed.Insert(mapAt + 2, 0x55);
        unknownFixed.Insert(mapAt + 3, 0x02);
        unknownFixed.Insert(mapAt + 4, 0x04);
        var spliced = bytes[..^1].Concat(unknownFixed).Append((byte)0).ToArray();
        var (read, _) = Parse(spliced);
        Assert.Equal(metadata.NumRows, read.NumRows);
        Assert.Equal("bulwark version 1.2.3", read.CreatedBy);
        Assert.Equal(LogicalKind.Timestamp, read.Schema[1].LogicalType!.Kind);
        Assert.True(read.Schema[1].LogicalType!.IsAdjustedToUtc);
        Assert.Equal(2, read.Schema[1].LogicalType!.Unit);
        Assert.Equal("v", read.KeyValueMetadata.Single().Value);
        Assert.Equal(1, read.ColumnOrders);
    }

    private static (FileMetaData, int) Parse(byte[] bytes, int maxDepth = 64)
    {
        var reader = new ThriftReader(bytes, 0, new ParquetLocation("t"), "footer", maxDepth, new short[maxDepth + 2]);
        var result = MetadataCodec.ReadFileMetaData(ref reader);
        return (result, reader.Position);
    }

    [Fact]
    public void HostileListSizesFailBeforeAllocating()
    {
        // Field 2 (schema), a list header claiming 2^31 structs in a 10-byte buffer.
        var bytes = new byte[] { 0x15, 0x02, 0x19, 0xFC, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00 };
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<ParquetFormatException>(() => Parse(bytes));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 100_000);
        Assert.Contains("cannot fit", error.Message);
    }

    [Fact]
    public void HostileBinaryLengthsAndTruncationFail()
    {
        var bytes = Write(w =>
        {
            w.StructBegin();
            w.FieldHeader(6, TType.Binary);
            w.WriteVarint(1_000_000);
        });
        Assert.Contains("runs past", Assert.Throws<ParquetFormatException>(() => Parse(bytes)).Message);
        Assert.Contains("truncated", Assert.Throws<ParquetFormatException>(() => Parse([0x15])).Message);
    }

    [Fact]
    public void NestingBeyondTheDepthLimitFails()
    {
        // Unknown field 9 of type struct, nested 100 deep.
        var bytes = Enumerable.Repeat((byte)0x9C, 100).Concat(Enumerable.Repeat((byte)0, 101)).ToArray();
        var error = Assert.Throws<ParquetFormatException>(() => Parse(bytes, maxDepth: 16));
        Assert.Contains("deeper", error.Message);
    }

    [Fact]
    public void OverlongVarintsFail()
    {
        var bytes = new byte[] { 0x36, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00 };
        Assert.Contains("varint", Assert.Throws<ParquetFormatException>(() => Parse(bytes)).Message);
    }
}
