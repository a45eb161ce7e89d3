using System.Globalization;
using System.Text.RegularExpressions;
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
            new Field("url", Utf8Type.Default, true),
            new Field("n", IntType.Int32, false),
            new Field("visits", new ListType(new Field("item", new StructType([new Field("t", TimestampType.MicrosecondUtc, true)]), true)), true),
            new Field("kind", Utf8Type.Default, true, dictionary: new DictionaryEncoding(0, IntType.Int16)),
            new Field("amount", new Decimal128Type(12, 2), true),
        ]);
        RecordBatch[] batches = [data.RandomBatch(schema, 5), data.RandomBatch(schema, 0), data.RandomBatch(schema, 9)];
        return (schema, batches, await Ipc.WriteAsync(format, schema, batches));
    }

    private static void AssertSameBatches(Schema schema, RecordBatch[] expected, (Schema Schema, List<RecordBatch> Batches) read)
    {
        Assert.Equal(schema, read.Schema);
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
        var schema = new Schema([new Field("a", IntType.Int64, true), new Field("s", Utf8Type.Default, false)]);
        var legacy = LegacyFormat.Rewrite(Format.File, await Ipc.WriteAsync(Format.File, schema, []), LegacyFormat.V4);
        var (read, batches) = await Ipc.ReadAsync(Format.File, legacy);
        Assert.Equal(schema, read);
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
}
