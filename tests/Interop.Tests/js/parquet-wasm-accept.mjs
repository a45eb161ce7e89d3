// Usage: node parquet-wasm-accept.mjs <stream-file>
// Loads an Arrow IPC STREAM with parquet-wasm, i.e. arrow-rs compiled to wasm, whose IPC reader verifies every
// flatbuffer strictly (alignment, offsets, required fields) where arrow-js is lenient. Prints JSON (shape in
// describe.mjs) of two round trips, each decoded afterwards by apache-arrow:
//   ipc:     arrow-rs's in-memory table re-encoded as an IPC stream, batch boundaries preserved;
//   parquet: that table written to Parquet by arrow-rs, read back by arrow-rs (row groups may regroup batches).
import { readFile } from 'node:fs/promises';
import { tableFromIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { describeTable, main, printJson } from './describe.mjs';

await main(async () => {
  const [path] = process.argv.slice(2);
  if (!path) throw new Error('usage: node parquet-wasm-accept.mjs <stream-file>');
  const bytes = new Uint8Array(await readFile(path));

  const rustTable = parquet.Table.fromIPCStream(bytes);
  const numBatches = rustTable.numBatches;
  const ipc = tableFromIPC(rustTable.intoIPCStream());

  const parquetBytes = parquet.writeParquet(parquet.Table.fromIPCStream(bytes));
  const parquetTable = tableFromIPC(parquet.readParquet(parquetBytes).intoIPCStream());

  await printJson({
    rustBatchCount: numBatches,
    parquetSize: parquetBytes.length,
    ipc: describeTable(ipc, 'stream'),
    parquet: describeTable(parquetTable, 'stream'),
  });
});
