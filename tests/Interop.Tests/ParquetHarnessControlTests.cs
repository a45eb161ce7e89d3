namespace Bulwark.Interop.Tests;

/// <summary>
/// The Parquet checks applied to an independent writer's file: the all-types table sent to arrow-rs as IPC, written
/// to Parquet by arrow-rs and read by DuckDB must meet the same value and statistics expectations as a Bulwark-written
/// file. When a Bulwark Parquet test fails and this one passes, the difference is Bulwark's codec, not the harness.
/// </summary>
public sealed class ParquetHarnessControlTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    [NodeTheory]
    [InlineData("uncompressed")]
    [InlineData("snappy")]
    public async Task Arrow_rs_parquet_of_the_all_types_table_meets_the_duckdb_expectations(string compression)
    {
        var table = ParquetReaders.AllTypesForDuckDb();
        var sizes = AllTypesTable.BatchSizes;
        var stream = _directory.File("all-types.arrows");
        var batches = table.BuildBatches(sizes);
        try
        {
            await BulwarkIpc.WriteStreamAsync(stream, table.Schema, batches);
        }
        finally
        {
            batches.ForEach(b => b.Dispose());
        }

        var parquet = _directory.File("arrow-rs.parquet");
        await NodeEnvironment.RunScriptAsync("parquet-wasm-write.mjs", [stream, parquet, compression]);
        var duck = await ParquetReaders.DuckDbAsync(parquet);

        // arrow-rs writes the arrow.uuid extension as a plain FIXED_LEN_BYTE_ARRAY, which DuckDB reads as BLOB.
        var columns = ParquetReaders.AllTypesDuckDbColumns.Select(c => c.Name == "uuid" ? (c.Name, "BLOB") : c).ToArray();
        ParquetReaders.AssertDuckDbValues(duck, table, sizes.Sum(), $"arrow-rs {compression} Parquet", columns);
        ParquetReaders.AssertStatisticsMatchData(duck, $"arrow-rs {compression} Parquet", new HashSet<string> { "f32", "f64" });
    }

    public void Dispose() => _directory.Dispose();
}
