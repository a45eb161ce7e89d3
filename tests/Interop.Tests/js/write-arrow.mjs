// Usage: node write-arrow.mjs <out-file> <file|stream>
// Builds a table with apache-arrow covering every type Bulwark supports, writes it with tableToIPC, and prints
// as JSON (the shape documented in describe.mjs) the values it wrote. That JSON comes from the source values, not
// from reading the file back, so the C# side compares Bulwark's reader against what was meant to be written.
import { writeFile } from 'node:fs/promises';
import * as arrow from 'apache-arrow';
import { describeSchema, encodeFloat, encodeInt, hex, main, printJson } from './describe.mjs';

const { Field, makeData, vectorFromArray } = arrow;

// Rows per batch: uneven, and one single-row batch, so batch boundaries and bitmaps that end mid-byte are exercised.
const batchSizes = [7, 1, 9, 5];

const uuid = (text) => Uint8Array.from(Buffer.from(text.replaceAll('-', ''), 'hex'));

function validity(values) {
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null) nullCount++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  });
  return { nullBitmap: nullCount ? bitmap : undefined, nullCount };
}

// Fixed-width columns are laid out by hand with makeData so the bytes are exactly the chosen values.
function fixed(ArrayType, zero, toStored = (v) => v) {
  return (type, values) => makeData({
    type,
    length: values.length,
    ...validity(values),
    data: ArrayType.from(values, (v) => (v === null ? zero : toStored(v))),
  });
}

function bools(type, values) {
  const bits = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => { if (v) bits[i >> 3] |= 1 << (i & 7); });
  return makeData({ type, length: values.length, ...validity(values), data: bits });
}

// Decimal128 storage: four little-endian 32-bit words of the two's complement unscaled integer.
function decimals(type, values) {
  const words = new Uint32Array(values.length * 4);
  values.forEach((v, i) => {
    let x = BigInt.asUintN(128, v ?? 0n);
    for (let w = 0; w < 4; w++) {
      words[i * 4 + w] = Number(x & 0xffffffffn);
      x >>= 32n;
    }
  });
  return makeData({ type, length: values.length, ...validity(values), data: words });
}

function fixedBinary(type, values) {
  const bytes = new Uint8Array(values.length * type.byteWidth);
  values.forEach((v, i) => { if (v) bytes.set(v, i * type.byteWidth); });
  return makeData({ type, length: values.length, ...validity(values), data: bytes });
}

// Variable-width and nested columns go through arrow-js's own builders.
const built = (type, values) => vectorFromArray(values, type).data[0];

const dictionaryType = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32(), 0, false);
const dictionaryValues = ['red', 'green', 'blue', ''];
// One dictionary object for every batch: arrow-js then writes it once, which the file format requires.
const dictionaryVector = vectorFromArray(dictionaryValues, new arrow.Utf8());

function dictionaryIndices(type, values) {
  return makeData({
    type,
    length: values.length,
    ...validity(values),
    data: Int32Array.from(values, (v) => (v === null ? 0 : dictionaryValues.indexOf(v))),
    dictionary: dictionaryVector,
  });
}

const structType = new arrow.Struct([
  new Field('x', new arrow.Int32(), false),
  new Field('y', new arrow.Utf8(), true),
]);

// A null struct still has a slot in its non-nullable child; 0 fills it, as the spec allows.
function structs(type, values) {
  return makeData({
    type,
    length: values.length,
    ...validity(values),
    children: [
      fixed(Int32Array, 0)(type.children[0].type, values.map((v) => (v === null ? 0 : v.x))),
      built(type.children[1].type, values.map((v) => (v === null ? null : v.y))),
    ],
  });
}

const i64 = (v) => v;
const asText = (v) => v;
const listOf = (encode) => (v) => v.map((x) => (x === null ? null : encode(x)));

const columns = [
  { name: 'id', type: new arrow.Int64(), nullable: false, build: fixed(BigInt64Array, 0n), encode: encodeInt,
    values: (r) => BigInt(r) },
  { name: 'flag', type: new arrow.Bool(), build: bools, encode: asText,
    cycle: [true, false, null, false, true, true, null, true, false, false] },
  { name: 'i8', type: new arrow.Int8(), build: fixed(Int8Array, 0), encode: asText,
    cycle: [-128, 127, 0, null, -1, 42] },
  { name: 'i16', type: new arrow.Int16(), build: fixed(Int16Array, 0), encode: asText,
    cycle: [-32768, 32767, null, 0, -1, 1234] },
  { name: 'i32', type: new arrow.Int32(), build: fixed(Int32Array, 0), encode: asText,
    cycle: [-2147483648, 2147483647, 0, -1, null, 123456] },
  { name: 'i64', type: new arrow.Int64(), build: fixed(BigInt64Array, 0n), encode: encodeInt,
    cycle: [-(2n ** 63n), 2n ** 63n - 1n, 0n, null, -1n, 9007199254740993n] },
  { name: 'u8', type: new arrow.Uint8(), build: fixed(Uint8Array, 0), encode: asText,
    cycle: [0, 255, null, 1, 128] },
  { name: 'u16', type: new arrow.Uint16(), build: fixed(Uint16Array, 0), encode: asText,
    cycle: [0, 65535, 1, null, 32768] },
  { name: 'u32', type: new arrow.Uint32(), build: fixed(Uint32Array, 0), encode: asText,
    cycle: [0, 4294967295, null, 1, 2147483648] },
  { name: 'u64', type: new arrow.Uint64(), build: fixed(BigUint64Array, 0n), encode: encodeInt,
    cycle: [0n, 2n ** 64n - 1n, null, 1n, 2n ** 63n] },
  { name: 'f32', type: new arrow.Float32(), build: fixed(Float32Array, 0), encode: encodeFloat,
    cycle: [0, -0, NaN, Infinity, -Infinity, null, 1.5, Math.fround(3.4028234663852886e38), Math.fround(1.1), Math.fround(1e-45)] },
  { name: 'f64', type: new arrow.Float64(), build: fixed(Float64Array, 0), encode: encodeFloat,
    cycle: [0, -0, NaN, Infinity, -Infinity, null, Number.MAX_VALUE, Number.MIN_VALUE, 0.1, -123.456] },
  { name: 'dec', type: new arrow.Decimal(10, 38, 128), build: decimals, encode: (v) => v.toString(),
    cycle: [0n, 1n, -1n, 10n ** 38n - 1n, null, -(10n ** 38n - 1n), 123456789012345678901234567890n] },
  { name: 'text', type: new arrow.Utf8(), build: built, encode: asText,
    cycle: ['', 'ascii', null, 'é ü ß', '😀 astral 𝄞', '中文', 'nul\u0000inside', 'line\nbreak "quoted" \\'] },
  { name: 'bytes', type: new arrow.Binary(), build: built, encode: hex,
    cycle: [new Uint8Array(0), Uint8Array.of(0, 1, 2, 255), null, Uint8Array.of(0xde, 0xad, 0xbe, 0xef)] },
  { name: 'uuid', type: new arrow.FixedSizeBinary(16), build: fixedBinary, encode: hex,
    metadata: new Map([['ARROW:extension:name', 'arrow.uuid']]),
    cycle: [uuid('00112233-4455-6677-8899-aabbccddeeff'), null, uuid('ffffffff-ffff-ffff-ffff-ffffffffffff'), uuid('00000000-0000-0000-0000-000000000000')] },
  { name: 'day', type: new arrow.DateDay(), build: fixed(Int32Array, 0), encode: asText,
    cycle: [0, -1, 19000, null, -719162, 2932896] },
  { name: 'time', type: new arrow.TimeMicrosecond(), build: fixed(BigInt64Array, 0n), encode: encodeInt,
    cycle: [0n, 86399999999n, null, 43200000000n, 1n] },
  { name: 'ts', type: new arrow.TimestampMicrosecond('UTC'), build: fixed(BigInt64Array, 0n), encode: encodeInt,
    cycle: [0n, -1n, 1700000000123456n, null, -62135596800000000n, 253402300799999999n] },
  { name: 'dur', type: new arrow.Duration(arrow.TimeUnit.MICROSECOND), build: fixed(BigInt64Array, 0n), encode: encodeInt,
    cycle: [0n, -1n, null, 2n ** 63n - 1n, -(2n ** 63n), 86400000000n] },
  { name: 'color', type: dictionaryType, build: dictionaryIndices, encode: asText,
    cycle: ['red', 'green', 'blue', null, '', 'red', 'blue'] },
  { name: 'ints', type: new arrow.List(new Field('item', new arrow.Int32(), true)), build: built, encode: listOf(asText),
    cycle: [[], [1, 2, 3], null, [null, -1], [2147483647]] },
  { name: 'words', type: new arrow.List(new Field('item', new arrow.Utf8(), true)), build: built, encode: listOf(asText),
    cycle: [['a', '', null], null, [], ['😀']] },
  { name: 'point', type: structType, build: structs, encode: (v) => ({ x: v.x, y: v.y }),
    cycle: [{ x: 1, y: 'a' }, null, { x: -1, y: null }, { x: 0, y: '' }] },
];

const schema = new arrow.Schema(
  columns.map((c) => new Field(c.name, c.type, c.nullable ?? true, c.metadata ?? new Map())),
  new Map([['written_by', 'apache-arrow'], ['purpose', 'bulwark interop']]),
);

await main(async () => {
  const [outPath, format] = process.argv.slice(2);
  if (!outPath || (format !== 'file' && format !== 'stream')) throw new Error('usage: node write-arrow.mjs <out-file> <file|stream>');

  const batches = [];
  const described = [];
  let row = 0;
  for (const size of batchSizes) {
    const rows = Array.from({ length: size }, (_, k) => row + k);
    row += size;
    const children = [];
    const describedColumns = [];
    for (const column of columns) {
      const values = rows.map((r) => (column.values ? column.values(r) : column.cycle[r % column.cycle.length]));
      children.push(column.build(column.type, values));
      const entry = {
        name: column.name,
        length: size,
        nullCount: values.filter((v) => v === null).length,
        values: values.map((v) => (v === null ? null : column.encode(v))),
      };
      if (column.type === dictionaryType) entry.dictionary = dictionaryValues;
      describedColumns.push(entry);
    }
    const data = makeData({ type: new arrow.Struct(schema.fields), length: size, nullCount: 0, children });
    batches.push(new arrow.RecordBatch(schema, data));
    described.push({ numRows: size, columns: describedColumns });
  }

  await writeFile(outPath, arrow.tableToIPC(new arrow.Table(schema, batches), format));
  await printJson({ format, schema: describeSchema(schema), numRows: row, batches: described });
});
