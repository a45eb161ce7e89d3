using System.Text.Json;
using Bulwark.Parquet;

namespace Bulwark.Cli.Tests;

/// <summary>`bulwark cat` over files written by Apache.Arrow's IPC writers and the runtime's Parquet writer.</summary>
public sealed class CatTests : CliTestBase
{
    private const string Header = "id,count,name,flag,ratio,price,at_utc,at_offset,at_wall,day,blob,tags,point,attrs";

    private static readonly string[] CsvRows =
    [
        "1,10,plain,true,0.1,1234567890123456789012345678.9012345678,2024-02-29T23:59:58.123456Z,2024-03-01T01:59:58.123456789+02:00,2024-02-29T23:59:58.123,2024-02-29,deadbeef,"
            + "\"[\"\"a\"\",\"\"b,c\"\"]\",\"{\"\"x\"\":7,\"\"label\"\":\"\"p\"\"}\",\"{\"\"k1\"\":1,\"\"k\\\"\"2\"\":null}\"",
        "2,,\"comma, \"\"quote\"\"\nline\",false,NaN,-0.0000000005,1970-01-01T00:00:00.000000Z,1970-01-01T01:59:59.999999999+02:00,1970-01-02T00:00:00.000,1969-12-31,,,"
            + "\"{\"\"x\"\":0,\"\"label\"\":\"\"\"\"}\",{}",
        "-3,-7,,,-1E+300,,,,,,,[null],,",
    ];

    private static readonly string[] JsonRows =
    [
        """{"id":1,"count":10,"name":"plain","flag":true,"ratio":0.1,"price":"1234567890123456789012345678.9012345678","at_utc":"2024-02-29T23:59:58.123456Z","at_offset":"2024-03-01T01:59:58.123456789+02:00","at_wall":"2024-02-29T23:59:58.123","day":"2024-02-29","blob":"3q2+7w==","tags":["a","b,c"],"point":{"x":7,"label":"p"},"attrs":{"k1":1,"k\"2":null}}""",
        """{"id":2,"count":null,"name":"comma, \"quote\"\nline","flag":false,"ratio":"NaN","price":"-0.0000000005","at_utc":"1970-01-01T00:00:00.000000Z","at_offset":"1970-01-01T01:59:59.999999999+02:00","at_wall":"1970-01-02T00:00:00.000","day":"1969-12-31","blob":"","tags":null,"point":{"x":0,"label":""},"attrs":{}}""",
        """{"id":-3,"count":-7,"name":null,"flag":null,"ratio":-1E+300,"price":null,"at_utc":null,"at_offset":null,"at_wall":null,"day":null,"blob":null,"tags":[null],"point":null,"attrs":null}""",
    ];

    public enum Kind
    {
        ArrowFile,
        ArrowStream,
        Parquet,
    }

    [Theory]
    [InlineData(Kind.ArrowFile)]
    [InlineData(Kind.ArrowStream)]
    [InlineData(Kind.Parquet)]
    public async Task Csv_prints_every_kind_of_value_exactly_with_rfc4180_quoting(Kind kind)
    {
        var file = await WriteAsync(kind, DataFileKit.Sample());

        var (code, output, error) = await RunAsync("cat", file, "--format", "csv");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal(string.Concat(new[] { Header }.Concat(CsvRows).Select(r => r + "\r\n")), output);
    }

    [Theory]
    [InlineData(Kind.ArrowFile)]
    [InlineData(Kind.ArrowStream)]
    [InlineData(Kind.Parquet)]
    public async Task Jsonl_prints_one_valid_json_object_per_row(Kind kind)
    {
        var file = await WriteAsync(kind, DataFileKit.Sample());

        var (code, output, error) = await RunAsync("cat", file, "--format", "jsonl");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(JsonRows, lines);
        foreach (var line in lines)
        {
            using var document = JsonDocument.Parse(line);
            Assert.Equal(14, document.RootElement.EnumerateObject().Count());
        }
    }

    [Fact]
    public async Task The_table_shows_nulls_nested_values_and_a_row_count()
    {
        var file = await WriteAsync(Kind.ArrowFile, DataFileKit.Sample());

        var (code, output, error) = await RunAsync("cat", file);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(8, lines.Length);
        Assert.Equal(Cells("id", "count", "name", "flag", "ratio", "price", "at_utc", "at_offset", "at_wall", "day", "blob", "tags", "point", "attrs"), Cells(lines[1]));
        Assert.Equal(
            Cells("2", "null", "comma, \"quote\"⏎line", "false", "NaN", "-0.0000000005", "1970-01-01T00:00:00.000000Z", "1970-01-01T01:59:59.999999999+02:00",
                "1970-01-02T00:00:00.000", "1969-12-31", "", "null", "{\"x\":0,\"label\":\"\"}", "{}"),
            Cells(lines[4]));
        Assert.Equal(
            Cells("-3", "-7", "null", "null", "-1E+300", "null", "null", "null", "null", "null", "null", "[null]", "null", "null"),
            Cells(lines[5]));
        Assert.Equal("3 row(s)", lines[^1]);
    }

    [Fact]
    public async Task A_long_cell_is_cut_in_the_table_but_not_in_csv()
    {
        var file = Path.Combine(Work, "long.arrow");
        var text = new string('x', 200);
        var batch = new Apache.Arrow.RecordBatch(
            new Apache.Arrow.Schema([new Apache.Arrow.Field("s", Apache.Arrow.Types.StringType.Default, true)], null),
            [new Apache.Arrow.StringArray.Builder().Append(text).Build()],
            1);
        await DataFileKit.WriteArrowFileAsync(file, batch);

        var (_, table, _) = await RunAsync("cat", file);
        var (_, csv, _) = await RunAsync("cat", file, "--format", "csv");

        Assert.Contains(new string('x', CatCommand.MaxCellLength - 1) + "…", table, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('x', CatCommand.MaxCellLength), table, StringComparison.Ordinal);
        Assert.Equal("s\r\n" + text + "\r\n", csv);
    }

    [Theory]
    [InlineData(Kind.ArrowFile)]
    [InlineData(Kind.ArrowStream)]
    [InlineData(Kind.Parquet)]
    public async Task The_table_stops_at_20_rows_by_default_and_csv_prints_every_batch(Kind kind)
    {
        var file = await WriteAsync(kind, DataFileKit.Numbers(0, 15), DataFileKit.Numbers(15, 15), DataFileKit.Numbers(30, 15));

        var (code, table, _) = await RunAsync("cat", file);
        Assert.Equal(0, code);
        var cells = table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim('│', ' ', '\r')).Where(l => l.All(char.IsAsciiDigit) && l.Length > 0).ToArray();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), cells);
        Assert.EndsWith("20 row(s) shown; there are more (--limit N shows N)", table.TrimEnd(), StringComparison.Ordinal);

        var (_, csv, _) = await RunAsync("cat", file, "--format", "csv");
        Assert.Equal("n\r\n" + string.Concat(Enumerable.Range(0, 45).Select(i => $"{i}\r\n")), csv);

        var (_, limited, _) = await RunAsync("cat", file, "--format", "jsonl", "--limit", "16");
        Assert.Equal(string.Concat(Enumerable.Range(0, 16).Select(i => $"{{\"n\":{i}}}\n")), limited.ReplaceLineEndings("\n"));

        // Stopping at the limit reads no further batch: the footer says whether rows remain, a stream cannot.
        var (_, all, _) = await RunAsync("cat", file, "--limit", "45");
        Assert.EndsWith(kind == Kind.ArrowStream ? "45 row(s) shown; a stream may hold more (--limit N shows N)" : "45 row(s)", all.TrimEnd(), StringComparison.Ordinal);
        var (_, boundary, _) = await RunAsync("cat", file, "--limit", "30");
        Assert.EndsWith(kind == Kind.ArrowStream ? "30 row(s) shown; a stream may hold more (--limit N shows N)" : "30 row(s) shown; there are more (--limit N shows N)", boundary.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reading_stops_at_the_limit_so_a_corrupt_later_batch_is_never_read()
    {
        var file = Path.Combine(Work, "tail-damaged.arrows");
        await DataFileKit.WriteArrowStreamAsync(file, DataFileKit.Numbers(0, 3), DataFileKit.Numbers(3, 3), DataFileKit.Numbers(6, 3));
        var bytes = await File.ReadAllBytesAsync(file);
        await File.WriteAllBytesAsync(file, bytes[..^40]);

        var (code, output, error) = await RunAsync("cat", file, "--format", "csv", "--limit", "6");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal("n\r\n0\r\n1\r\n2\r\n3\r\n4\r\n5\r\n", output);

        (code, output, error) = await RunAsync("cat", file, "--format", "csv");
        Assert.Equal(1, code);
        Assert.Equal("n\r\n0\r\n1\r\n2\r\n3\r\n4\r\n5\r\n", output);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith($"error: Arrow IPC stream '{file}': ", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("truncated.arrow", "Arrow IPC file '{0}': file trailer at byte")]
    [InlineData("truncated.parquet", "Parquet file '{0}': ")]
    [InlineData("flipped.parquet", "Parquet file '{0}', column 'n', row group 0")]
    [InlineData("empty.arrow", "Arrow IPC stream '{0}': schema message at byte 0: the stream ends before its schema")]
    [InlineData("notes.csv", "Arrow IPC stream '{0}': schema message at byte 0:")]
    public async Task A_corrupt_file_is_exit_1_and_one_line_naming_the_file_and_the_reason(string name, string expected)
    {
        var file = Path.Combine(Work, name);
        var arrow = Path.Combine(Work, "good.arrow");
        var parquet = Path.Combine(Work, "good.parquet");
        await DataFileKit.WriteArrowFileAsync(arrow, DataFileKit.Numbers(0, 3));
        await DataFileKit.WriteParquetAsync(parquet, null, DataFileKit.Numbers(0, 3));
        var arrowBytes = await File.ReadAllBytesAsync(arrow);
        var parquetBytes = await File.ReadAllBytesAsync(parquet);
        var flipped = (byte[])parquetBytes.Clone();
        flipped[10] ^= 0xff;
        flipped[11] ^= 0xff;
        flipped[12] ^= 0xff;
        await File.WriteAllBytesAsync(file, name switch
        {
            "truncated.arrow" => arrowBytes[..^30],
            "truncated.parquet" => [.. parquetBytes[..(parquetBytes.Length / 2)], .. "PAR1"u8],
            "flipped.parquet" => flipped,
            "empty.arrow" => [],
            _ => "a,b\n1,2\n"u8.ToArray(),
        });

        foreach (var format in new[] { "table", "csv", "jsonl" })
        {
            var (code, output, error) = await RunAsync("cat", file, "--format", format);
            Assert.Equal(1, code);
            // The CSV header goes out once the file is open; a damaged row group is found only when it is read.
            Assert.Equal(name == "flipped.parquet" && format == "csv" ? "n\r\n" : "", output);
            var line = Assert.Single(Lines(error));
            Assert.StartsWith("error: " + string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, file), line, StringComparison.Ordinal);
            AssertNoStackTrace(output, error);
        }

        var (schemaCode, schemaOutput, schemaError) = await RunAsync("schema", file);
        Assert.Equal(name == "flipped.parquet" ? 0 : 1, schemaCode);
        Assert.Equal(name == "flipped.parquet" ? 0 : 1, Lines(schemaError).Length);
        Assert.Equal(name == "flipped.parquet", schemaOutput.Length > 0);
    }

    [Fact]
    public async Task A_missing_file_and_a_directory_are_usage_errors_told_apart()
    {
        var missing = Path.Combine(Work, "missing.parquet");
        foreach (var command in new[] { "cat", "schema" })
        {
            var (code, output, error) = await RunAsync(command, missing);
            Assert.Equal(2, code);
            Assert.Equal("", output);
            Assert.Equal([$"error: '{missing}' does not exist"], Lines(error));

            (code, _, error) = await RunAsync(command, Work);
            Assert.Equal(2, code);
            Assert.Equal([$"error: '{Work}' is a directory; name one Arrow or Parquet file in it"], Lines(error));
        }
    }

    [Theory]
    [InlineData("cat x --format xml")]
    [InlineData("cat x --limit -1")]
    [InlineData("cat x --limit many")]
    [InlineData("cat")]
    [InlineData("schema")]
    [InlineData("schema a b")]
    public async Task Bad_options_are_usage_errors(string commandLine)
    {
        var (code, output, error) = await RunAsync(commandLine.Split(' '));
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains(BulwarkCommand.Usage, error, StringComparison.Ordinal);
    }

    private static string[] Cells(params string[] cells) => cells;

    private static string[] Cells(string line) => line.Trim().Trim('│').Split('│').Select(c => c.Trim()).ToArray();

    private async Task<string> WriteAsync(Kind kind, params Apache.Arrow.RecordBatch[] batches)
    {
        var path = Path.Combine(Work, "data-" + kind);
        switch (kind)
        {
            case Kind.ArrowFile:
                await DataFileKit.WriteArrowFileAsync(path, batches);
                break;
            case Kind.ArrowStream:
                await DataFileKit.WriteArrowStreamAsync(path, batches);
                break;
            default:
                await DataFileKit.WriteParquetAsync(path, new ParquetWriteOptions { Compression = ParquetCompression.Zstd }, batches);
                break;
        }

        return path;
    }
}
