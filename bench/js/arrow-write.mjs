// The apache-arrow (JS) side of the Arrow write comparison: builds the same 6-column table as
// bench/Bulwark.Benchmarks/BenchRow.cs from plain JS arrays and writes it as an Arrow IPC file.
// Timed: building the Arrow vectors from the arrays + tableToIPC('file') + writing the bytes to disk.
// Not timed: producing the plain JS arrays (the .NET side likewise starts from materialized records).
import { readFileSync, writeFileSync } from 'node:fs';
import { Table, makeData, makeVector, vectorFromArray, Utf8, TimestampMicrosecond, Int64, Float64, Int32, tableToIPC } from 'apache-arrow';

const args = Object.fromEntries(process.argv.slice(2).map((a, i, all) => a.startsWith('--') ? [a.slice(2), all[i + 1]] : null).filter(Boolean));
const rows = Number(args.rows ?? 1_000_000);
const iterations = Number(args.iterations ?? 5);
const out = args.out ?? '/tmp/arrow-js-bench.arrow';

const epochMicros = BigInt(Date.UTC(2026, 0, 1)) * 1000n;
const ids = new BigInt64Array(rows);
const scores = new Float64Array(rows);
const urls = new Array(rows);
const referrers = new Array(rows);
const times = new BigInt64Array(rows);
const statuses = new Int32Array(rows);
for (let i = 0; i < rows; i++) {
  ids[i] = BigInt(i);
  scores[i] = i * 0.25;
  urls[i] = `https://host${i % 1000}.example/page/${i}`;
  referrers[i] = i % 5 === 0 ? null : `https://ref${i % 97}.example/`;
  times[i] = epochMicros + BigInt(i) * 1000n;
  statuses[i] = 200 + (i % 4);
}

function buildAndWrite() {
  const table = new Table({
    Id: makeVector(ids),
    Score: makeVector(scores),
    Url: vectorFromArray(urls, new Utf8()),
    Referrer: vectorFromArray(referrers, new Utf8()),
    Time: makeVector(makeData({ type: new TimestampMicrosecond('UTC'), length: rows, data: times })),
    Status: makeVector(statuses),
  });
  const bytes = tableToIPC(table, 'file');
  writeFileSync(out, bytes);
  return bytes.byteLength;
}

buildAndWrite(); // warm-up: JIT and allocator
const samples = [];
let bytes = 0;
for (let k = 0; k < iterations; k++) {
  const t0 = process.hrtime.bigint();
  bytes = buildAndWrite();
  samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
samples.sort((a, b) => a - b);
console.log(JSON.stringify({ peer: 'apache-arrow', version: JSON.parse(readFileSync(new URL('./node_modules/apache-arrow/package.json', import.meta.url))).version, rows, iterations, medianMs: samples[Math.floor(samples.length / 2)], samplesMs: samples, bytes, out }));
