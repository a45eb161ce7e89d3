// Usage: node duckdb-write-parquet.mjs <out.parquet> <default|uncompressed|snappy|gzip|zstd|lz4_raw|dictionary|v2> [rows]
// DuckDB builds a table in SQL covering the types it shares with Bulwark's mapping (signed and unsigned integers,
// float, double, strings with repeats and unicode, nullable columns, TIMESTAMP WITH TIME ZONE (us), DATE, TIME,
// DECIMAL(9,2)/(18,4)/(38,10), UUID, ENUM, LIST, STRUCT, BLOB) and writes it with COPY ... (FORMAT parquet, ...):
//   default       DuckDB's defaults (Snappy, one row group at this size, dictionaries where DuckDB finds them worth it);
//   uncompressed  COMPRESSION uncompressed, ROW_GROUP_SIZE 2048 (several row groups);
//   snappy        COMPRESSION snappy, ROW_GROUP_SIZE 2048;
//   gzip          COMPRESSION gzip, ROW_GROUP_SIZE 2048;
//   zstd          COMPRESSION zstd, ROW_GROUP_SIZE 2048;
//   lz4_raw       COMPRESSION lz4_raw, ROW_GROUP_SIZE 2048;
//   dictionary    COMPRESSION snappy, ROW_GROUP_SIZE 2048, a dictionary size limit large enough for every column;
//   v2            PARQUET_VERSION v2 (data page v2 and its encodings), ROW_GROUP_SIZE 2048.
// Prints JSON: the DuckDB version, the COPY options, the column names and DuckDB types, numRows, the values as DuckDB
// holds them in memory (never read back from the file; conventions of duckdb-values.mjs), and per row group and
// column chunk of the written file its compression and encodings, so a test can check the setting took effect, and
// fileDifferences: every value DuckDB reads back from the file differently from what it held ({column, row, written,
// read}), which a test must account for before it blames another reader.
// The values fit Bulwark's C# member types: decimals have at most 28 significant digits.
import { describeResult, openDuckDB, sqlString } from './duckdb-values.mjs';
import { main, printJson } from './describe.mjs';

const settings = {
  default: '',
  uncompressed: ', COMPRESSION uncompressed, ROW_GROUP_SIZE 2048',
  snappy: ', COMPRESSION snappy, ROW_GROUP_SIZE 2048',
  gzip: ', COMPRESSION gzip, ROW_GROUP_SIZE 2048',
  zstd: ', COMPRESSION zstd, ROW_GROUP_SIZE 2048',
  lz4_raw: ', COMPRESSION lz4_raw, ROW_GROUP_SIZE 2048',
  dictionary: ', COMPRESSION snappy, ROW_GROUP_SIZE 2048, DICTIONARY_SIZE_LIMIT 1000000',
  v2: ', PARQUET_VERSION v2, ROW_GROUP_SIZE 2048',
};

// Row i of the table. Extremes sit in the first rows, so that even a two-row table has them.
const select = (rows) => `
SELECT
  i::BIGINT AS id,
  (i % 256)::UTINYINT AS u8,
  (65535 - i % 65536)::USMALLINT AS u16,
  (4294967295 - i)::UINTEGER AS u32,
  (18446744073709551615 - i)::UBIGINT AS u64,
  ((i % 256) - 128)::TINYINT AS i8,
  CASE WHEN i % 9 = 4 THEN NULL ELSE ((i * 37) % 65536 - 32768)::SMALLINT END AS i16,
  CASE i WHEN 0 THEN -2147483648 WHEN 1 THEN 2147483647 ELSE (i * 7919 - 2000000)::INTEGER END AS i32,
  CASE i % 1000 WHEN 3 THEN 'NaN'::DOUBLE WHEN 4 THEN '-Infinity'::DOUBLE WHEN 5 THEN -0.0::DOUBLE ELSE (i - 2500) * 0.25 END AS f64,
  CASE WHEN i % 7 = 6 THEN NULL ELSE ((i % 1000) * 1.5 - 11.125)::FLOAT END AS f32,
  'host' || (i % 7)::VARCHAR || '.example' AS host,
  CASE WHEN i % 3 = 0 THEN NULL ELSE 'ünï ' || (i % 11)::VARCHAR || CASE WHEN i % 11 = 10 THEN ' 😀' ELSE '' END END AS note,
  CASE WHEN i % 5 = 2 THEN NULL ELSE i % 2 = 0 END AS flag,
  TIMESTAMPTZ '2023-11-14 22:13:20+00' + to_microseconds((i - 2500) * 1000003) AS ts,
  CASE WHEN i % 8 = 7 THEN NULL ELSE DATE '1970-01-01' + (i * 17 - 30000)::INTEGER END AS day,
  TIME '00:00:00' + to_microseconds((i * 7919000013) % 86400000000) AS tod,
  ((i - 2500) * 1.37)::DECIMAL(9,2) AS price,
  CASE WHEN i % 10 = 9 THEN NULL ELSE ((i - 2500)::VARCHAR || '.' || lpad((i * 7 % 10000)::VARCHAR, 4, '0'))::DECIMAL(18,4) END AS amount,
  (((i - 2500)::HUGEINT * 100000000000000)::VARCHAR || '.' || lpad((i * 31 % 10000000000)::VARCHAR, 10, '0'))::DECIMAL(38,10) AS big,
  CASE i WHEN 0 THEN '00000000-0000-0000-0000-000000000000'::UUID WHEN 1 THEN 'ffffffff-ffff-ffff-ffff-ffffffffffff'::UUID
         WHEN 2 THEN NULL ELSE md5(i::VARCHAR)::UUID END AS uid,
  CASE i % 4 WHEN 0 THEN 'sad' WHEN 1 THEN 'ok' WHEN 2 THEN 'happy' ELSE NULL END::mood AS mood,
  CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN []::VARCHAR[] ELSE ['t' || (i % 3)::VARCHAR, NULL, 'ü' || (i % 13)::VARCHAR][1:(i % 4) + 1] END AS tags,
  CASE WHEN i % 6 = 3 THEN NULL ELSE [i::INTEGER, -i::INTEGER, NULL, 2147483647][1:(i % 5)] END AS nums,
  CASE WHEN i % 6 = 0 THEN NULL ELSE {'x': (i * 3)::INTEGER, 'label': CASE WHEN i % 4 = 0 THEN NULL ELSE 'p' || i::VARCHAR END} END AS point,
  CASE WHEN i % 4 = 0 THEN NULL WHEN i % 4 = 1 THEN ''::BLOB ELSE unhex(lpad(to_hex(i * 2654435761 % 4294967296), 8, '0')) END AS payload
FROM range(${rows}) t(i)
ORDER BY i`;

await main(async () => {
  const [out, setting = 'default', rowsText = '5000'] = process.argv.slice(2);
  if (!out || !(setting in settings)) {
    throw new Error(`usage: node duckdb-write-parquet.mjs <out.parquet> <${Object.keys(settings).join('|')}> [rows]`);
  }

  const rows = Number(rowsText);
  const { connection } = await openDuckDB();
  const version = (await connection.runAndReadAll('SELECT version()')).getRows()[0][0];
  await connection.run("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
  await connection.run(`CREATE TABLE source AS ${select(rows)}`);
  const copyOptions = `FORMAT parquet${settings[setting]}`;
  await connection.run(`COPY (SELECT * FROM source ORDER BY id) TO ${sqlString(out)} (${copyOptions})`);

  const described = describeResult(await connection.runAndReadAll('SELECT * FROM source ORDER BY id'));
  const chunks = (await connection.runAndReadAll(
    `SELECT row_group_id, row_group_num_rows, path_in_schema, type, compression, encodings, dictionary_page_offset
     FROM parquet_metadata(${sqlString(out)}) ORDER BY row_group_id, column_id`)).getRowObjectsJson();
  const rowGroups = [];
  for (const chunk of chunks) {
    const id = Number(chunk.row_group_id);
    rowGroups[id] ??= { id, numRows: Number(chunk.row_group_num_rows), columns: [] };
    rowGroups[id].columns.push({
      path: chunk.path_in_schema,
      type: chunk.type,
      compression: chunk.compression,
      encodings: chunk.encodings,
      hasDictionaryPage: chunk.dictionary_page_offset !== null,
    });
  }

  // DuckDB's own reading of the file, value by value against the table it wrote: where they differ, DuckDB's writer
  // changed the value (its float dictionaries, for one, fold -0.0 into 0.0), and a test can tell that from a reader bug.
  const readBack = describeResult(await connection.runAndReadAll(
    `SELECT * EXCLUDE (file_row_number) FROM read_parquet(${sqlString(out)}, file_row_number = true) ORDER BY file_row_number`));
  const fileDifferences = [];
  for (const { name } of described.columns) {
    described.values[name].forEach((value, row) => {
      const inFile = readBack.values[name][row];
      if (JSON.stringify(value) !== JSON.stringify(inFile)) fileDifferences.push({ column: name, row, written: value, read: inFile });
    });
  }

  await printJson({ writer: 'duckdb', version, setting, copyOptions, ...described, rowGroups, fileDifferences });
});
