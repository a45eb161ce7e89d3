// Usage: node duckdb-parquet-values.mjs <file>
// DuckDB (native, @duckdb/node-api) reads every value of a Parquet file, in file order, and prints JSON:
//   version   DuckDB's version;
//   columns   SELECT * FROM read_parquet(file): column names and DuckDB types;
//   numRows, values  every value of every column, in the conventions of duckdb-values.mjs.
// Unlike duckdb-read-parquet.mjs it asks for no metadata or statistics, so it also serves files whose metadata
// DuckDB cannot describe.
import { describeResult, openDuckDB, sqlString } from './duckdb-values.mjs';
import { main, printJson } from './describe.mjs';

await main(async () => {
  const [path] = process.argv.slice(2);
  if (!path) throw new Error('usage: node duckdb-parquet-values.mjs <file>');
  const { connection } = await openDuckDB();
  const version = (await connection.runAndReadAll('SELECT version()')).getRows()[0][0];

  // file_row_number keeps the rows in file order whatever the scan's parallelism.
  const read = await connection.runAndReadAll(
    `SELECT * EXCLUDE (file_row_number) FROM read_parquet(${sqlString(path)}, file_row_number = true) ORDER BY file_row_number`);
  const described = describeResult(read);
  await printJson({ reader: 'duckdb', version, columns: described.columns, numRows: described.numRows, values: described.values });
});
