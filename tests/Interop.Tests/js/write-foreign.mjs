// Usage: node write-foreign.mjs <out-file>
// Writes a small crawl-like table the way a JS user would: tableFromArrays over plain JS arrays, leaving every type to
// apache-arrow's default inference (strings -> dictionary<int32, utf8>, numbers -> float64, Date -> timestamp[ms],
// BigInt64Array -> int64, booleans -> bool). Prints as JSON the schema it wrote and, from the source values (not from
// reading the file back), the rows, so the C# side compares Bulwark's typed reader against what was meant.
import { writeFile } from 'node:fs/promises';
import * as arrow from 'apache-arrow';

const [outFile] = process.argv.slice(2);
if (!outFile) {
  console.error('usage: node write-foreign.mjs <out-file>');
  process.exit(2);
}

const visitIds = [1n, 2n, 9007199254740993n, -4n, 5n];
const source = {
  visit_id: BigInt64Array.from(visitIds),
  url: ['https://a.example/', 'https://b.example/x?q=1', 'https://a.example/', 'https://\u00e9t\u00e9.example/\u{1F600}', ''],
  referrer: ['https://ref.example/', null, 'https://ref.example/', null, 'https://other.example/'],
  status: ['Fetched', 'Redirected', 'Fetched', 'Failed', null],
  score: [0.5, -1.25, 1e300, 0.1, -0],
  fetched_at: [
    new Date(Date.UTC(2024, 1, 29, 12, 34, 56, 789)),
    new Date(Date.UTC(1969, 6, 20, 20, 17, 40, 1)),
    new Date(0),
    new Date(-1),
    new Date(Date.UTC(2262, 3, 11, 23, 47, 16, 854)),
  ],
  ok: [true, false, true, false, true],
};

const table = arrow.tableFromArrays(source);
await writeFile(outFile, arrow.tableToIPC(table, 'file'));

const describeType = (field) => {
  const type = field.type;
  if (arrow.DataType.isDictionary(type)) return `dictionary<${type.indices}, ${type.dictionary}>`;
  if (arrow.DataType.isTimestamp(type)) return `timestamp[${['s', 'ms', 'us', 'ns'][type.unit]}${type.timezone ? ', ' + type.timezone : ''}]`;
  return String(type);
};

const rows = visitIds.map((id, i) => ({
  visit_id: id.toString(),
  url: source.url[i],
  referrer: source.referrer[i],
  status: source.status[i],
  // JSON numbers print the shortest text that round-trips a double; -0 needs its sign spelled out.
  score: Object.is(source.score[i], -0) ? '-0' : String(source.score[i]),
  fetched_at_ms: source.fetched_at[i].getTime(),
  ok: source.ok[i],
}));

process.stdout.write(JSON.stringify({
  schema: table.schema.fields.map((f) => ({ name: f.name, type: describeType(f), nullable: f.nullable })),
  rows,
}));
