// Usage: node duckdb-read-parquet.mjs <file>
// DuckDB (native, @duckdb/node-api) reads a Parquet file and prints JSON:
//   version          DuckDB's version;
//   file             parquet_file_metadata: created_by, num_rows, num_row_groups, format_version;
//   keyValueKeys     the keys of the file's key-value metadata (values may be large, e.g. ARROW:schema);
//   schema           parquet_schema: one entry per schema element (physical, converted and logical type, repetition);
//   columns          SELECT * FROM read_parquet(file): column names and DuckDB types;
//   numRows, values  every value of every column, in file order, in the conventions of duckdb-values.mjs;
//   rowGroups        parquet_metadata per row group and column chunk: physical type, num_values, compression,
//                    encodings, statistics (min/max as DuckDB formats them, null_count, exactness), page offsets, sizes;
//                    for each top-level column that is not a LIST or STRUCT also "data": min, max and null count of
//                    the rows of that row group computed by DuckDB from the VALUES (formatted like the statistics),
//                    so the statistics can be checked against the data they describe.
// Float min/max of the data leave NaN out, as Parquet statistics must.
import { describeResult, openDuckDB, sqlIdentifier, sqlString } from './duckdb-values.mjs';
import { DuckDBTypeId } from '@duckdb/node-api';
import { main, printJson } from './describe.mjs';

await main(async () => {
  const [path] = process.argv.slice(2);
  if (!path) throw new Error('usage: node duckdb-read-parquet.mjs <file>');
  const { connection } = await openDuckDB();
  const file = sqlString(path);

  const version = (await connection.runAndReadAll('SELECT version()')).getRows()[0][0];
  const fileMetadata = (await connection.runAndReadAll(
    `SELECT created_by, num_rows, num_row_groups, format_version FROM parquet_file_metadata(${file})`)).getRowObjectsJson()[0];
  const keyValueKeys = (await connection.runAndReadAll(
    `SELECT decode(key) AS key FROM parquet_kv_metadata(${file})`)).getRows().map((r) => r[0]);
  const schema = (await connection.runAndReadAll(
    `SELECT name, type, type_length, repetition_type, num_children, converted_type, scale, precision, logical_type, duckdb_type
     FROM parquet_schema(${file})`)).getRowObjectsJson();

  // The values go into a temporary table first: aggregates over it are computed from the data, never answered from
  // the file's statistics, which are what is being checked.
  await connection.run(`CREATE TEMP TABLE data AS SELECT * FROM read_parquet(${file}, file_row_number = true) ORDER BY file_row_number`);
  const read = await connection.runAndReadAll('SELECT * EXCLUDE (file_row_number) FROM data ORDER BY file_row_number');
  const described = describeResult(read);
  const columnTypes = read.columnTypes();

  const chunks = (await connection.runAndReadAll(
    `SELECT row_group_id, row_group_num_rows, column_id, path_in_schema, type, num_values, compression, encodings,
            stats_min, stats_max, stats_min_value, stats_max_value, stats_null_count, min_is_exact, max_is_exact,
            dictionary_page_offset, data_page_offset, total_compressed_size, total_uncompressed_size
     FROM parquet_metadata(${file}) ORDER BY row_group_id, column_id`)).getRowObjectsJson();

  const rowGroups = [];
  let firstRow = 0;
  for (const chunk of chunks) {
    const id = Number(chunk.row_group_id);
    if (!rowGroups[id]) {
      rowGroups[id] = { id, numRows: Number(chunk.row_group_num_rows), firstRow, columns: [] };
      firstRow += Number(chunk.row_group_num_rows);
    }

    rowGroups[id].columns.push({
      path: chunk.path_in_schema,
      type: chunk.type,
      numValues: Number(chunk.num_values),
      compression: chunk.compression,
      encodings: chunk.encodings,
      statsMin: chunk.stats_min_value,
      statsMax: chunk.stats_max_value,
      legacyStatsMin: chunk.stats_min,
      legacyStatsMax: chunk.stats_max,
      nullCount: chunk.stats_null_count === null ? null : Number(chunk.stats_null_count),
      minIsExact: chunk.min_is_exact,
      maxIsExact: chunk.max_is_exact,
      dictionaryPageOffset: chunk.dictionary_page_offset === null ? null : Number(chunk.dictionary_page_offset),
      dataPageOffset: Number(chunk.data_page_offset),
      totalCompressedSize: Number(chunk.total_compressed_size),
      totalUncompressedSize: Number(chunk.total_uncompressed_size),
    });
  }

  const nested = new Set([DuckDBTypeId.LIST, DuckDBTypeId.ARRAY, DuckDBTypeId.STRUCT, DuckDBTypeId.MAP]);
  const floats = new Set([DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE]);
  const flat = described.columns.map((c, k) => ({ ...c, typeId: columnTypes[k].typeId })).filter((c) => !nested.has(c.typeId));
  for (const group of rowGroups) {
    if (flat.length === 0 || !group) continue;
    const aggregates = flat.flatMap((c) => {
      const name = sqlIdentifier(c.name);
      const filter = floats.has(c.typeId) ? ` FILTER (WHERE NOT isnan(${name}))` : '';
      return [`min(${name})${filter}::VARCHAR`, `max(${name})${filter}::VARCHAR`, `(count(*) - count(${name}))::BIGINT`];
    });
    const row = (await connection.runAndReadAll(
      `SELECT ${aggregates.join(', ')} FROM data WHERE file_row_number >= ${group.firstRow} AND file_row_number < ${group.firstRow + group.numRows}`)).getRows()[0];
    flat.forEach((c, k) => {
      const chunk = group.columns.find((x) => x.path === c.name);
      if (chunk) chunk.data = { min: row[3 * k], max: row[3 * k + 1], nullCount: Number(row[3 * k + 2]) };
    });
  }

  await printJson({
    reader: 'duckdb',
    version,
    file: {
      createdBy: fileMetadata.created_by,
      numRows: Number(fileMetadata.num_rows),
      numRowGroups: Number(fileMetadata.num_row_groups),
      formatVersion: Number(fileMetadata.format_version),
    },
    keyValueKeys,
    schema,
    columns: described.columns,
    numRows: described.numRows,
    values: described.values,
    rowGroups,
  });
});
