using Bulwark.Parquet;

namespace Bulwark.Fuzz;

/// <summary>The Parquet reader (footer, schema, pages of every codec) and the Thrift compact decoder alone.</summary>
internal static class ParquetTargets
{
    /// <summary>The limits of the Parquet corruption tests: the allocation oracle judges the reader within them.</summary>
    public static readonly ParquetReadOptions Limits = new() { MaxPageBytes = 1 << 20, MaxRowGroupRows = 100_000, MaxMetadataBytes = 1 << 20, MaxColumnBytes = 4 << 20 };

    public static readonly FuzzTarget File = new(
        "parquet",
        "ParquetFileReader: footer, schema, every row group and page (all codecs, V1/V2, dictionaries), every value touched",
        ReadFile,
        [typeof(ParquetFormatException)]);

    /// <summary>
    /// The first byte picks the structure (even: FileMetaData, odd: PageHeader), the rest is its Thrift encoding, so
    /// the decoder is fuzzed without a file around it.
    /// </summary>
    public static readonly FuzzTarget Thrift = new(
        "thrift",
        "ThriftReader: a FileMetaData or PageHeader in the compact protocol (first byte selects)",
        ReadThrift,
        [typeof(ParquetFormatException)]);

    private static void ReadFile(byte[] input) => ReadFileAsync(input).AsTask().GetAwaiter().GetResult();

    private static async ValueTask ReadFileAsync(byte[] input)
    {
        await using var reader = await ParquetFileReader.OpenAsync(new MemoryStream(input, writable: false), "fuzz.parquet", Limits);
        for (var i = 0; i < reader.RowGroupCount; i++)
        {
            using var batch = await reader.ReadRowGroupAsync(i);
            ArrayWalk.Batch(batch);
        }
    }

    private static void ReadThrift(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var stack = new short[Limits.MaxDepth + 2];
        var location = new ParquetLocation("fuzz.thrift");
        if (input[0] % 2 == 0)
        {
            var reader = new ThriftReader(input.AsSpan(1), 1, location, "footer", Limits.MaxDepth, stack);
            MetadataCodec.ReadFileMetaData(ref reader);
        }
        else
        {
            var reader = new ThriftReader(input.AsSpan(1), 1, location, "page header", Limits.MaxDepth, stack);
            MetadataCodec.ReadPageHeader(ref reader);
        }
    }
}
