using System.CommandLine;
using Apache.Arrow;
using Bulwark.Arrow;

namespace Bulwark.Cli;

/// <summary>
/// `bulwark schema FILE`: the Arrow schema of an Arrow IPC file or stream or a Parquet file, and for Parquet what its
/// footer says of the row groups. Only the metadata is read, never a batch.
/// </summary>
internal static class SchemaCommand
{
    /// <summary>The Parquet key-value entry holding the Arrow schema as base64: shown by its size, since its content is the schema above.</summary>
    private const string ArrowSchemaKey = "ARROW:schema";

    public static Command Create(CliContext cli)
    {
        var file = new Argument<string>("FILE") { Description = "An Arrow IPC file or stream, or a Parquet file." };
        var schema = new Command(
            "schema",
            "Print the Arrow schema (fields with types, nullability and metadata; schema metadata) and, for Parquet, its row groups, rows, sizes and codecs. "
            + "Exit 1 with one line naming the file and the reason if it is corrupt.")
        {
            file,
        };
        schema.SetAction(async (result, token) => cli.ExitCode = await RunAsync(result.GetValue(file)!, cli, token));
        return schema;
    }

    private static async Task<int> RunAsync(string path, CliContext cli, CancellationToken ct)
    {
        if (await CatCommand.CheckFileAsync(path, cli.Error) is { } failure)
        {
            return failure;
        }

        var lines = new List<string>();
        try
        {
            await using var data = await DataFile.OpenAsync(path, ct);
            lines.Add($"{path}: {data.Format}");
            lines.Add($"fields: {data.Schema.FieldsList.Count}");
            foreach (var field in data.Schema.FieldsList)
            {
                lines.Add("  " + ArrowTypes.Describe(field));
                lines.AddRange(Metadata(field.HasMetadata ? field.Metadata : null, "    "));
            }

            var metadata = Metadata(data.Schema.HasMetadata ? data.Schema.Metadata : null, "  ").ToList();
            if (metadata.Count > 0)
            {
                lines.Add("schema metadata:");
                lines.AddRange(metadata);
            }

            if (data.ArrowBatchCount is { } batches)
            {
                lines.Add($"record batches: {batches}");
            }

            if (data.Parquet is { } parquet)
            {
                Describe(parquet, lines);
            }
        }
        catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException)
        {
            var message = e.Message.ReplaceLineEndings(" ");
            await cli.Error.WriteLineAsync(message.Contains(path, StringComparison.Ordinal) ? "error: " + message : $"error: '{path}': {message}");
            return BulwarkCommand.ProblemsFound;
        }

        foreach (var line in lines)
        {
            await cli.Output.WriteLineAsync(line);
        }

        return BulwarkCommand.Healthy;
    }

    private static IEnumerable<string> Metadata(IReadOnlyDictionary<string, string>? metadata, string indent) =>
        (metadata ?? new Dictionary<string, string>())
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{indent}{p.Key} = {p.Value.ReplaceLineEndings(" ")}");

    private static void Describe(Parquet.ParquetFileReader parquet, List<string> lines)
    {
        if (parquet.CreatedBy is { } createdBy)
        {
            lines.Add($"created by: {createdBy}");
        }

        foreach (var (key, value) in parquet.KeyValueMetadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            lines.Add(key == ArrowSchemaKey
                ? $"key-value metadata: {key} ({value?.Length ?? 0} characters of base64: the Arrow schema above)"
                : $"key-value metadata: {key} = {value?.ReplaceLineEndings(" ") ?? "null"}");
        }

        lines.Add($"row groups: {parquet.RowGroupCount}, rows: {BulwarkCommand.Count(parquet.RowCount)}");
        var codecs = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < parquet.RowGroupCount; i++)
        {
            var chunks = parquet.GetColumnChunks(i);
            var compressed = chunks.Sum(c => c.CompressedBytes);
            var uncompressed = chunks.Sum(c => c.UncompressedBytes);
            lines.Add($"row group {i}: {BulwarkCommand.Count(parquet.GetRowGroupRowCount(i))} row(s), {chunks.Count} column chunk(s), "
                + $"{BulwarkCommand.Count(compressed)} bytes ({BulwarkCommand.Count(uncompressed)} uncompressed), codecs: {string.Join(", ", chunks.Select(c => c.Codec).Distinct().Order(StringComparer.Ordinal))}");
            foreach (var chunk in chunks)
            {
                codecs[chunk.Codec] = codecs.GetValueOrDefault(chunk.Codec) + 1;
            }
        }

        if (codecs.Count > 0)
        {
            lines.Add("codecs: " + string.Join(", ", codecs.Select(c => $"{c.Key} ({c.Value} column chunk(s))")));
        }
    }
}
