using System.Text.Json.Nodes;
using Apache.Arrow;
using Bulwark.Arrow;
using Bulwark.Parquet;

namespace Bulwark.Interop.Tests;

/// <summary>Writes and reads whole Parquet files with Bulwark's codec at the RecordBatch level.</summary>
internal static class BulwarkParquet
{
    public static async Task WriteAsync(string path, Schema schema, IEnumerable<RecordBatch> batches, ParquetWriteOptions options)
    {
        await using var stream = File.Create(path);
        await using var writer = new ParquetFileWriter(stream, schema, options);
        foreach (var batch in batches)
        {
            await writer.WriteBatchAsync(batch, CancellationToken.None);
        }

        await writer.CompleteAsync(CancellationToken.None);
    }

    /// <summary>Writes <paramref name="table"/> in batches of <paramref name="sizes"/> (each batch is at least one row group).</summary>
    public static async Task WriteTableAsync(string path, TestTable table, IReadOnlyList<int> sizes, ParquetWriteOptions options)
    {
        var batches = table.BuildBatches(sizes);
        try
        {
            await WriteAsync(path, table.Schema, batches, options);
        }
        finally
        {
            batches.ForEach(b => b.Dispose());
        }
    }

    /// <summary>The file's Arrow schema and every row group's batch in describe.mjs's JSON shape.</summary>
    public static async Task<(Schema Schema, JsonArray Batches)> ReadAsync(string path)
    {
        await using var reader = await ParquetFileReader.OpenAsync(File.OpenRead(path), path);
        var batches = new JsonArray();
        for (var i = 0; i < reader.RowGroupCount; i++)
        {
            using var batch = await reader.ReadRowGroupAsync(i, CancellationToken.None);
            batches.Add(ArrowJson.DescribeBatch(batch));
        }

        return (reader.Schema, batches);
    }
}
