// Usage: node read-arrow.mjs <file>
// Reads an Arrow IPC file or stream with apache-arrow's tableFromIPC (which accepts both) and prints the schema
// and every value as JSON in the shape documented in describe.mjs.
import { readFile } from 'node:fs/promises';
import { tableFromIPC } from 'apache-arrow';
import { describeTable, ipcFormat, main, printJson } from './describe.mjs';

await main(async () => {
  const [path] = process.argv.slice(2);
  if (!path) throw new Error('usage: node read-arrow.mjs <file>');
  const bytes = new Uint8Array(await readFile(path));
  const table = tableFromIPC(bytes);
  await printJson(describeTable(table, ipcFormat(bytes)));
});
