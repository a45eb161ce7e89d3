using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Apache.Arrow;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Bulwark.Cli;

/// <summary>
/// `bulwark cat FILE [--format table|csv|jsonl] [--limit N]`: the rows of an Arrow IPC file or stream or a Parquet
/// file, read batch by batch (a batch is disposed before the next is read, and reading stops at the limit).
/// </summary>
internal static class CatCommand
{
    /// <summary>Rows a table shows unless --limit says otherwise; CSV and JSON lines print every row.</summary>
    public const int DefaultTableRows = 20;

    /// <summary>Characters a table cell shows before it is cut with "…"; CSV and JSON lines are never cut.</summary>
    public const int MaxCellLength = 80;

    public static Command Create(CliContext cli)
    {
        var file = new Argument<string>("FILE") { Description = "An Arrow IPC file or stream, or a Parquet file (told apart by their magic bytes)." };
        var format = new Option<string>("--format")
        {
            Description = "table (default; cells over " + MaxCellLength + " characters are cut), csv (RFC 4180, a header row, nulls empty) or jsonl (one JSON object per row; binary in base64).",
            DefaultValueFactory = _ => "table",
        };
        format.AcceptOnlyFromAmong("table", "csv", "jsonl");
        var limit = new Option<int?>("--limit")
        {
            Description = $"Print at most N rows (default: {DefaultTableRows} for the table, every row for csv and jsonl).",
            HelpName = "N",
        };
        limit.Validators.Add(result =>
        {
            // Tokens, not the value: a value that is no number is the parser's error, and reading it here would throw.
            if (result.Tokens is [var token] && int.TryParse(token.Value, CultureInfo.InvariantCulture, out var n) && n < 0)
            {
                result.AddError("--limit must be 0 or more");
            }
        });
        var cat = new Command(
            "cat",
            "Print the rows of an Arrow IPC file or stream or a Parquet file. Nested values print as JSON, timestamps in ISO 8601 with their time zone, "
            + "decimals exactly, binary as hex (base64 in jsonl). Exit 1 with one line naming the file and the reason if it is corrupt.")
        {
            file,
            format,
            limit,
        };
        cat.SetAction(async (result, token) => cli.ExitCode = await RunAsync(
            result.GetValue(file)!, result.GetValue(format)!, result.GetValue(limit), cli, token));
        return cat;
    }

    private static async Task<int> RunAsync(string path, string format, int? limit, CliContext cli, CancellationToken ct)
    {
        if (await CheckFileAsync(path, cli.Error) is { } failure)
        {
            return failure;
        }

        var rows = limit ?? (format == "table" ? DefaultTableRows : int.MaxValue);
        var table = format == "table" ? new List<string?[]>() : null;
        string[] names;
        bool? more = false;
        try
        {
            await using var data = await DataFile.OpenAsync(path, ct);
            var fields = data.Schema.FieldsList;
            names = fields.Select(f => f.Name).ToArray();
            var json = new ArrayBufferWriter<byte>();
            if (format == "csv")
            {
                await cli.Output.WriteAsync(string.Join(',', names.Select(Csv)) + "\r\n");
            }

            var written = 0;
            var batchIndex = -1;
            await foreach (var batch in rows == 0 ? Empty() : data.ReadBatchesAsync(ct))
            {
                batchIndex++;
                using (batch)
                {
                    var take = Math.Min(batch.Length, rows - written);
                    for (var row = 0; row < take; row++)
                    {
                        switch (format)
                        {
                            case "table":
                                table!.Add(Enumerable.Range(0, fields.Count).Select(c => ArrowValues.Text(batch.Column(c), row)).ToArray());
                                break;
                            case "csv":
                                await cli.Output.WriteAsync(string.Join(',', Enumerable.Range(0, fields.Count).Select(c => Csv(ArrowValues.Text(batch.Column(c), row)))) + "\r\n");
                                break;
                            default:
                                await cli.Output.WriteLineAsync(JsonLine(json, fields, batch, row));
                                break;
                        }
                    }

                    written += take;
                    if (written == rows)
                    {
                        // Nothing after the limit is read: whether more rows follow is known from this batch or the footer.
                        more = take < batch.Length ? true : data.HasRowsAfter(batchIndex, written);
                        break;
                    }
                }
            }

            if (rows == 0)
            {
                more = data.HasRowsAfter(-1, 0);
            }
        }
        catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            // The readers' messages name the file; a storage failure's may not.
            var message = e.Message.ReplaceLineEndings(" ");
            await cli.Error.WriteLineAsync(message.Contains(path, StringComparison.Ordinal) ? "error: " + message : $"error: '{path}': {message}");
            return BulwarkCommand.ProblemsFound;
        }

        if (table is not null)
        {
            WriteTable(cli, names, table, more);
        }

        return BulwarkCommand.Healthy;
    }

    /// <summary>"does not exist" and "is a directory" are usage errors, told apart.</summary>
    internal static async Task<int?> CheckFileAsync(string path, TextWriter error)
    {
        if (File.Exists(path))
        {
            return null;
        }

        await error.WriteLineAsync(Directory.Exists(path)
            ? $"error: '{path}' is a directory; name one Arrow or Parquet file in it"
            : $"error: '{path}' does not exist");
        return BulwarkCommand.UsageError;
    }

    private static string JsonLine(ArrayBufferWriter<byte> buffer, IReadOnlyList<Field> fields, RecordBatch batch, int row)
    {
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer, ArrowValues.WriterOptions))
        {
            writer.WriteStartObject();
            for (var c = 0; c < fields.Count; c++)
            {
                writer.WritePropertyName(fields[c].Name);
                ArrowValues.WriteJson(writer, batch.Column(c), row, hexBinary: false);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes doubled; a null is empty.</summary>
    internal static string Csv(string? value) =>
        value is null ? string.Empty
        : value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
        : value;

    private static async IAsyncEnumerable<RecordBatch> Empty()
    {
        await Task.CompletedTask;
        yield break;
    }

    private static void WriteTable(CliContext cli, string[] names, List<string?[]> rows, bool? more)
    {
        var table = new Spectre.Console.Table { Border = TableBorder.Rounded };
        foreach (var field in names)
        {
            table.AddColumn(new TableColumn(new Text(field)));
        }

        foreach (var row in rows)
        {
            table.AddRow(row.Select(v => (IRenderable)new Text(Cut(v ?? "null"))));
        }

        var console = cli.CreateConsole(cli.Output);
        console.Write(table);
        cli.Output.WriteLine(more switch
        {
            true => string.Create(CultureInfo.InvariantCulture, $"{rows.Count} row(s) shown; there are more (--limit N shows N)"),
            null => string.Create(CultureInfo.InvariantCulture, $"{rows.Count} row(s) shown; a stream may hold more (--limit N shows N)"),
            false => string.Create(CultureInfo.InvariantCulture, $"{rows.Count} row(s)"),
        });
    }

    private static string Cut(string value) =>
        value.Length <= MaxCellLength ? value.ReplaceLineEndings("⏎") : value[..(MaxCellLength - 1)].ReplaceLineEndings("⏎") + "…";
}
