using Bulwark.Parquet;

namespace Bulwark.Cli.Tests;

/// <summary>`bulwark schema` over the same files as <see cref="CatTests"/>: only metadata is read.</summary>
public sealed class SchemaTests : CliTestBase
{
    private static readonly string[] Fields =
    [
        "fields: 14",
        "id: int64 not null",
        "count: int32",
        "unit = count",
        "name: utf8",
        "flag: bool",
        "ratio: double",
        "price: decimal128(38, 10)",
        "at_utc: timestamp[us, UTC]",
        "at_offset: timestamp[ns, +02:00]",
        "at_wall: timestamp[ms]",
        "day: date32",
        "blob: binary",
        "tags: list<item: utf8>",
        "point: struct<x: int32, label: utf8>",
        "attrs: map<utf8, int32>",
        "schema metadata:",
        "origin = cli-tests",
    ];

    [Fact]
    public async Task An_arrow_file_shows_fields_types_nullability_metadata_and_batches()
    {
        var file = Path.Combine(Work, "sample.arrow");
        await DataFileKit.WriteArrowFileAsync(file, DataFileKit.Sample(), DataFileKit.Sample());

        var (code, output, error) = await RunAsync("schema", file);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal([$"{file}: Arrow IPC file", .. Fields, "record batches: 2"], Lines(output));
        Assert.Contains("\n    unit = count", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_arrow_stream_has_no_batch_count_without_reading_it()
    {
        var file = Path.Combine(Work, "sample.arrows");
        await DataFileKit.WriteArrowStreamAsync(file, DataFileKit.Sample());

        var (code, output, _) = await RunAsync("schema", file);

        Assert.Equal(0, code);
        Assert.Equal([$"{file}: Arrow IPC stream", .. Fields], Lines(output));
    }

    [Fact]
    public async Task A_parquet_file_adds_its_row_groups_rows_sizes_and_codecs()
    {
        var file = Path.Combine(Work, "sample.parquet");
        await DataFileKit.WriteParquetAsync(file, new ParquetWriteOptions { Compression = ParquetCompression.Zstd }, DataFileKit.Sample(), DataFileKit.Sample());

        var (code, output, error) = await RunAsync("schema", file);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        var lines = Lines(output);
        Assert.Equal([$"{file}: Parquet file", .. Fields], lines[..19]);
        Assert.StartsWith("created by: bulwark", lines[19], StringComparison.Ordinal);
        Assert.Matches(@"^key-value metadata: ARROW:schema \(\d+ characters of base64: the Arrow schema above\)$", lines[20]);
        Assert.Equal("key-value metadata: origin = cli-tests", lines[21]);
        Assert.Equal("row groups: 2, rows: 6", lines[22]);

        await using var reader = await ParquetFileReader.OpenAsync(File.OpenRead(file));
        for (var group = 0; group < 2; group++)
        {
            var chunks = reader.GetColumnChunks(group);
            Assert.Equal(16, chunks.Count);
            Assert.Equal(
                $"row group {group}: 3 row(s), 16 column chunk(s), {N(chunks.Sum(c => c.CompressedBytes))} bytes ({N(chunks.Sum(c => c.UncompressedBytes))} uncompressed), codecs: ZSTD",
                lines[23 + group]);
        }

        Assert.Equal("codecs: ZSTD (32 column chunk(s))", lines[25]);
        Assert.Equal(26, lines.Length);
    }
}
