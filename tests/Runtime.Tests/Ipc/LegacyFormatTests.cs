using System.Globalization;
using System.Text.RegularExpressions;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using Xunit;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>
/// Files and streams in the shape Arrow 0.14-0.17 wrote them (V4 metadata, the legacy 4-byte message prefix, a footer
/// without a version) read with the values they were written with; metadata older than V4 is still refused.
/// </summary>
public sealed class LegacyFormatTests
{
    public static TheoryData<Format> Formats => new() { Format.File, Format.Stream };

    private static async Task<(Schema Schema, RecordBatch[] Batches, byte[] Bytes)> SampleAsync(Format format)
    {
        var data = new TestData(14);
        var schema = new Schema(
        [
            new Field("url", StringType.Default, true),
            new Field("n", Int32Type.Default, false),
            new Field("visits", new ListType(new Field("item", new StructType([new Field("t", new TimestampType(TimeUnit.Microsecond, "UTC"), true)]), true)), true),
            new Field("kind", new DictionaryType(Int16Type.Default, StringType.Default, false), true),
            new Field("amount", new Decimal128Type(12, 2), true),
        ], null);
        RecordBatch[] batches = [data.RandomBatch(schema, 5), data.RandomBatch(schema, 0), data.RandomBatch(schema, 9)];
        return (schema, batches, await Ipc.WriteAsync(format, schema, batches));
    }

    private static void AssertSameBatches(Schema schema, RecordBatch[] expected, (Schema Schema, List<RecordBatch> Batches) read)
    {
        ArrayAssert.SchemasEqual(schema, read.Schema);
        Assert.Equal(expected.Length, read.Batches.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            ArrayAssert.BatchesEqual(expected[i], read.Batches[i]);
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task LegacyPrefixV4MessagesAndAFooterWithoutVersionReadWithTheWrittenValues(Format format)
    {
        var (schema, batches, bytes) = await SampleAsync(format);
        var legacy = LegacyFormat.Rewrite(format, bytes, LegacyFormat.V4);
        Assert.NotEqual(-1, BitConverter.ToInt32(legacy, format == Format.File ? 8 : 0));

        AssertSameBatches(schema, batches, await Ipc.ReadAsync(format, legacy));
        if (format == Format.Stream)
        {
            AssertSameBatches(schema, batches, await Ipc.ReadAsync(format, legacy, seekable: false));
        }
    }

    [Fact]
    public async Task AFileWithoutBatchesAndWithoutFooterVersionReadsItsSchema()
    {
        var schema = new Schema([new Field("a", Int64Type.Default, true), new Field("s", StringType.Default, false)], null);
        var legacy = LegacyFormat.Rewrite(Format.File, await Ipc.WriteAsync(Format.File, schema, []), LegacyFormat.V4);
        var (read, batches) = await Ipc.ReadAsync(Format.File, legacy);
        ArrayAssert.SchemasEqual(schema, read);
        Assert.Empty(batches);
    }

    [Fact]
    public async Task AFooterWithoutVersionDoesNotLetPreV4MessagesThrough()
    {
        var (_, _, bytes) = await SampleAsync(Format.File);
        var legacy = LegacyFormat.Rewrite(Format.File, bytes, LegacyFormat.V3);
        var error = await Assert.ThrowsAsync<ArrowFormatException>(() => Ipc.ReadAsync(Format.File, legacy));
        Assert.Contains("'test.arrow'", error.Message);

        // Refused at the schema message right after the magic and its 4-byte legacy prefix, not at the footer.
        var offset = long.Parse(Regex.Match(error.Message, @"message\.version at byte (\d+):").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(offset, 12, 12 + BitConverter.ToInt32(legacy, 8));
        Assert.Contains("metadata version 2 is not supported", error.Message);
    }

    [Fact]
    public async Task AFooterThatDeclaresAPreV4VersionIsRefusedEvenWithV4Messages()
    {
        var (_, _, bytes) = await SampleAsync(Format.File);
        var legacy = LegacyFormat.Rewrite(Format.File, bytes, LegacyFormat.V4, FooterVersion.V3);
        var error = await Assert.ThrowsAsync<ArrowFormatException>(() => Ipc.ReadAsync(Format.File, legacy));
        Assert.Contains("footer.version", error.Message);
        Assert.Contains("metadata version 2 is not supported", error.Message);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task PreV4MessagesAreRefusedInTheLegacyShapeToo(Format format)
    {
        var (_, _, bytes) = await SampleAsync(format);
        var legacy = LegacyFormat.Rewrite(format, bytes, LegacyFormat.V3, FooterVersion.V4);
        var error = await Assert.ThrowsAsync<ArrowFormatException>(() => Ipc.ReadAsync(format, legacy));
        Assert.Contains("message.version", error.Message);
        Assert.Contains("metadata version 2 is not supported", error.Message);
    }

    /// <summary>Types Bulwark does not map are refused by name, whatever children they (correctly) declare.</summary>
    [Theory]
    [InlineData((byte)22, "RunEndEncoded", 2)]
    [InlineData((byte)25, "ListView", 1)]
    [InlineData((byte)26, "LargeListView", 1)]
    [InlineData((byte)99, "type tag 99", 0)]
    public async Task UnsupportedTypesAreRefusedByNameNotByChildCount(byte tag, string name, int childCount)
    {
        var b = new FlatBufferBuilder();
        var children = new int[childCount];
        for (var i = 0; i < childCount; i++)
        {
            children[i] = HostileInputTests.FieldTable(b, "c" + i, 2, HostileInputTests.IntTable(b), []);
        }

        var field = HostileInputTests.FieldTable(b, "m", tag, HostileInputTests.Empty(b), children);
        var fields = b.CreateOffsetVector([field]);
        b.StartTable(4);
        b.AddFieldOffset(1, fields);
        var schemaTable = b.EndTable();
        b.Finish(IpcMetadata.WriteMessage(b, MessageHeaderType.Schema, schemaTable, 0));
        var bytes = HostileInputTests.Frame(b);

        var error = await Assert.ThrowsAsync<ArrowFormatException>(() => Ipc.ReadAsync(Format.Stream, bytes));
        Assert.Contains($"field 'm' (schema field 0)", error.Message);
        Assert.Contains($"Arrow type {name} is not supported", error.Message);
        Assert.DoesNotContain("child", error.Message);
    }
}
