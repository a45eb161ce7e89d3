// Usage: node parquet-wasm-write.mjs <ipc-stream> <out.parquet> [uncompressed|snappy|gzip|brotli]
// parquet-wasm (arrow-rs) writes an Arrow IPC stream as Parquet. The tests use it as a control: a Parquet file of the
// same table from an independent writer must satisfy the same DuckDB expectations as a Bulwark-written one, which
// shows that a failure there is the Bulwark codec's and not the harness's.
import { readFile, writeFile } from 'node:fs/promises';
import * as parquet from 'parquet-wasm';
import { main } from './describe.mjs';

await main(async () => {
  const [input, output, compression = 'uncompressed'] = process.argv.slice(2);
  if (!input || !output) throw new Error('usage: node parquet-wasm-write.mjs <ipc-stream> <out.parquet> [compression]');
  const codec = {
    uncompressed: parquet.Compression.UNCOMPRESSED,
    snappy: parquet.Compression.SNAPPY,
    gzip: parquet.Compression.GZIP,
    brotli: parquet.Compression.BROTLI,
  }[compression];
  if (codec === undefined) throw new Error(`unknown compression ${compression}`);
  const properties = new parquet.WriterPropertiesBuilder().setCompression(codec).build();
  const table = parquet.Table.fromIPCStream(new Uint8Array(await readFile(input)));
  await writeFile(output, parquet.writeParquet(table, properties));
});
