// The DuckDB side of the Parquet comparison: the 6-column table of bench/Bulwark.Benchmarks/BenchRow.cs generated in
// SQL with the same values as BenchRow.Create(i), written with COPY ... (FORMAT parquet, COMPRESSION snappy, or zstd at
// level 1, or lz4_raw with --codec) and read back with a full scan that touches every column.
//   node duckdb-parquet.mjs --rows N --iterations K --out file.parquet [--threads 1] [--check other.parquet] [--codec snappy|zstd|lz4raw]
// Without --threads DuckDB uses its default (one thread per core). --check: the same aggregates over another writer's
// file (untimed), printed as checkAggregates, to show both files hold the same rows.
// Timed write: COPY of an in-memory table to the file (the table is built before timing, as the .NET side starts from
// materialized records). Timed read: SELECT count(*), and an aggregate over each column, from read_parquet(file).
// Prints JSON: version, threads, rows, per-iteration samples and medians, file bytes, and the read aggregates.
import { statSync, readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const args = Object.fromEntries(process.argv.slice(2).map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : null)).filter(Boolean));
const rows = Number(args.rows ?? 10_000_000);
const iterations = Number(args.iterations ?? 3);
const out = args.out ?? '/tmp/duckdb-bench.parquet';
const threads = args.threads;
const check = args.check;
const codec = args.codec ?? 'snappy';
const compression = { snappy: 'COMPRESSION snappy', zstd: 'COMPRESSION zstd, COMPRESSION_LEVEL 1', lz4raw: 'COMPRESSION lz4_raw' }[codec];
if (!compression) throw new Error(`unknown codec ${codec}; expected snappy, zstd or lz4raw`);

const instance = await DuckDBInstance.create(':memory:', threads ? { threads: String(threads) } : {});
const connection = await instance.connect();
await connection.run("SET TimeZone = 'UTC'");
const effectiveThreads = Number((await connection.runAndReadAll("SELECT current_setting('threads')")).getRows()[0][0]);

// BenchRow.Create(i): Id = i, Score = i * 0.25, Url = $"https://host{i % 1000}.example/page/{i}",
// Referrer = i % 5 == 0 ? null : $"https://ref{i % 97}.example/", Time = 2026-01-01T00:00Z + i ms, Status = 200 + i % 4.
await connection.run(`CREATE TABLE bench AS
  SELECT i::BIGINT AS "Id",
         i::DOUBLE * 0.25 AS "Score",
         'https://host' || (i % 1000)::VARCHAR || '.example/page/' || i::VARCHAR AS "Url",
         CASE WHEN i % 5 = 0 THEN NULL ELSE 'https://ref' || (i % 97)::VARCHAR || '.example/' END AS "Referrer",
         TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_microseconds(i * 1000) AS "Time",
         (200 + i % 4)::INTEGER AS "Status"
  FROM range(${rows}) t(i) ORDER BY i`);

const literal = (text) => `'${text.replaceAll("'", "''")}'`;
const path = literal(out);
const write = () => connection.run(`COPY bench TO ${path} (FORMAT parquet, ${compression})`);
const aggregate = async (file) => (await connection.runAndReadAll(
  `SELECT count(*)::BIGINT, sum("Id")::BIGINT, sum("Score")::DOUBLE, sum(length("Url"))::BIGINT, count("Referrer")::BIGINT,
          sum(length("Referrer"))::BIGINT, sum(epoch_us("Time"))::HUGEINT::VARCHAR, sum("Status")::BIGINT
   FROM read_parquet(${file})`)).getRows()[0];
const read = () => aggregate(path);

async function time(action) {
  const t0 = process.hrtime.bigint();
  const result = await action();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, result };
}

const median = (samples) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];

await write(); // warm-up: allocator, file cache
const writeSamples = [];
for (let k = 0; k < iterations; k++) writeSamples.push((await time(write)).ms);

await read();
const readSamples = [];
let aggregates;
for (let k = 0; k < iterations; k++) {
  const { ms, result } = await time(read);
  readSamples.push(ms);
  aggregates = result;
}

const describe = ([count, sumId, sumScore, sumUrlLength, referrers, sumReferrerLength, sumTimeMicros, sumStatus]) => ({
  count: count.toString(),
  sumId: sumId.toString(),
  sumScore: Number(sumScore),
  sumUrlLength: sumUrlLength.toString(),
  referrers: referrers.toString(),
  sumReferrerLength: sumReferrerLength.toString(),
  sumTimeMicros: String(sumTimeMicros),
  sumStatus: sumStatus.toString(),
});
console.log(JSON.stringify({
  peer: 'duckdb',
  version: JSON.parse(readFileSync(new URL('./node_modules/@duckdb/node-api/package.json', import.meta.url))).version,
  threads: effectiveThreads,
  codec,
  rows,
  iterations,
  writeMedianMs: median(writeSamples),
  writeSamplesMs: writeSamples,
  readMedianMs: median(readSamples),
  readSamplesMs: readSamples,
  bytes: statSync(out).size,
  out,
  aggregates: describe(aggregates),
  checkAggregates: check ? describe(await aggregate(literal(check))) : null,
}));
