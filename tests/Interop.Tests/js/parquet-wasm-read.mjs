// Usage: node parquet-wasm-read.mjs <file>
// parquet-wasm (arrow-rs's Parquet reader compiled to wasm) reads a Parquet file into an Arrow table, which is
// re-encoded as an IPC stream and decoded by apache-arrow; prints the table as describe.mjs does (row groups may
// come back as one or several batches, so callers compare values column by column over all rows).
import { readFile } from 'node:fs/promises';
import { tableFromIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { describeTable, main, printJson } from './describe.mjs';

await main(async () => {
  const [path] = process.argv.slice(2);
  if (!path) throw new Error('usage: node parquet-wasm-read.mjs <file>');
  const bytes = new Uint8Array(await readFile(path));
  const table = tableFromIPC(parquet.readParquet(bytes).intoIPCStream());
  await printJson(describeTable(table, 'stream'));
});
