// Usage: node hyparquet-read.mjs <file>
// hyparquet (a pure-JS Parquet reader, independent of both DuckDB and arrow-rs) reads every row and prints JSON:
//   createdBy, numRows, columns (top-level names), values per column, approximate (see below).
// Values follow describe.mjs's conventions; hyparquet's parsers are replaced so that nothing is converted on the way:
// DATE stays days, TIMESTAMP(MICROS) stays raw microseconds, UUID becomes hex, strings are strictly UTF-8 decoded.
// hyparquet turns DECIMAL into a JS number (lossy by design), so decimal columns are printed as that number's text
// and listed in "approximate"; the caller compares them with a tolerance. hyparquet has no Gzip or Brotli codec here.
import { readFile } from 'node:fs/promises';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { encodeFloat, hex, main, printJson } from './describe.mjs';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

const parsers = {
  dateFromDays: (days) => days,
  timestampFromMilliseconds: (millis) => ({ millis: BigInt(millis).toString() }),
  timestampFromMicroseconds: (micros) => BigInt(micros).toString(),
  timestampFromNanoseconds: (nanos) => ({ nanos: BigInt(nanos).toString() }),
  stringFromBytes: (bytes) => (bytes == null ? bytes : strictUtf8.decode(bytes)),
  uuidFromBytes: (bytes) => (bytes == null ? bytes : hex(bytes)),
};

function isList(node) {
  return node.element.converted_type === 'LIST' || node.element.logical_type?.type === 'LIST';
}

function isDecimal(node) {
  return node.element.converted_type === 'DECIMAL' || node.element.logical_type?.type === 'DECIMAL';
}

function encode(value, node) {
  if (value === null || value === undefined) return null;
  if (node.children.length > 0) {
    if (isList(node)) {
      const element = node.children[0].children.length > 0 ? node.children[0].children[0] : node.children[0];
      return Array.from(value, (item) => encode(item, element));
    }

    const out = {};
    for (const child of node.children) out[child.element.name] = encode(value[child.element.name], child);
    return out;
  }

  if (isDecimal(node)) return String(value);
  switch (node.element.type) {
    case 'BOOLEAN':
      return value;
    case 'INT32':
      return Number(value);
    case 'INT64':
      return typeof value === 'bigint' ? value.toString() : value;
    case 'FLOAT':
    case 'DOUBLE':
      return encodeFloat(value);
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY':
      if (typeof value === 'string') return value;
      return node.element.converted_type === 'ENUM' || node.element.logical_type?.type === 'ENUM' ? strictUtf8.decode(value) : hex(value);
    default:
      throw new Error(`no JSON encoding for physical type ${node.element.type} (column ${node.element.name})`);
  }
}

function decimalColumns(node, path, out) {
  if (isDecimal(node)) out.add(path[0]);
  for (const child of node.children) decimalColumns(child, [...path, child.element.name], out);
  return out;
}

await main(async () => {
  const [path] = process.argv.slice(2);
  if (!path) throw new Error('usage: node hyparquet-read.mjs <file>');
  const bytes = await readFile(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const metadata = parquetMetadata(file);
  const schema = parquetSchema(metadata);
  const rows = await parquetReadObjects({ file, metadata, utf8: false, parsers });
  const values = {};
  const approximate = new Set();
  for (const column of schema.children) {
    values[column.element.name] = rows.map((row) => encode(row[column.element.name], column));
    decimalColumns(column, [column.element.name], approximate);
  }

  await printJson({
    reader: 'hyparquet',
    createdBy: metadata.created_by ?? null,
    numRows: rows.length,
    columns: schema.children.map((c) => c.element.name),
    values,
    approximate: [...approximate],
  });
});
