// The JSON shape every script prints, shared so that the C# side has one format to compare against.
//
// Types are canonical strings, not arrow-js's toString(), because those differ between arrow-js versions and
// omit details (signedness of some widths, time zone spelling) that the tests must see:
//   bool, int8..int64, uint8..uint64, float16/32/64, decimal128(P, S), utf8, binary, fixed_size_binary(N),
//   date32[day], date64[ms], time32[s|ms], time64[us|ns], timestamp[UNIT] or timestamp[UNIT, TZ], duration[UNIT],
//   list, struct (element/member fields are in "children"). A dictionary-encoded field has the VALUE type as "type"
//   and {"id", "indexType", "ordered"} as "dictionary".
//
// Values are read from the raw buffers, never through arrow-js's convenience getters, so that nothing is
// converted on the way (getters turn dates into JS Dates and decimals into lossy numbers):
//   null -> null; bool -> true/false; integers up to 32 bits -> JSON numbers; 64-bit integers -> decimal strings;
//   floats -> JSON numbers, except "NaN", "Infinity", "-Infinity" and "-0" as strings (JSON has no such numbers);
//   decimal -> the unscaled two's complement integer as a decimal string;
//   utf8 -> string; binary and fixed_size_binary -> lowercase hex;
//   date32 -> days since the epoch (number); date64/time64/timestamp/duration -> raw int64 as a decimal string;
//   time32 -> raw number; list -> array; struct -> object keyed by member name; dictionary -> the decoded value.
import * as arrow from 'apache-arrow';

const { Type } = arrow;

const unitNames = ['s', 'ms', 'us', 'ns'];

export function typeString(type) {
  switch (type.typeId) {
    case Type.Null: return 'null';
    case Type.Bool: return 'bool';
    case Type.Int: return `${type.isSigned ? 'int' : 'uint'}${type.bitWidth}`;
    case Type.Float: return ['float16', 'float32', 'float64'][type.precision];
    case Type.Decimal: return `decimal${type.bitWidth}(${type.precision}, ${type.scale})`;
    case Type.Utf8: return 'utf8';
    case Type.LargeUtf8: return 'large_utf8';
    case Type.Binary: return 'binary';
    case Type.LargeBinary: return 'large_binary';
    case Type.FixedSizeBinary: return `fixed_size_binary(${type.byteWidth})`;
    case Type.Date: return type.unit === arrow.DateUnit.DAY ? 'date32[day]' : 'date64[ms]';
    case Type.Time: return `time${type.bitWidth}[${unitNames[type.unit]}]`;
    case Type.Timestamp:
      return type.timezone == null ? `timestamp[${unitNames[type.unit]}]` : `timestamp[${unitNames[type.unit]}, ${type.timezone}]`;
    case Type.Duration: return `duration[${unitNames[type.unit]}]`;
    case Type.List: return 'list';
    case Type.Struct: return 'struct';
    case Type.Dictionary: return typeString(type.dictionary);
    default: return `unsupported:${Type[type.typeId]}`;
  }
}

export function describeField(field) {
  const type = field.type;
  const isDictionary = type.typeId === Type.Dictionary;
  const valueType = isDictionary ? type.dictionary : type;
  return {
    name: field.name,
    type: typeString(valueType),
    nullable: field.nullable,
    metadata: Object.fromEntries(field.metadata ?? new Map()),
    dictionary: isDictionary
      ? { id: Number(type.id), indexType: typeString(type.indices), ordered: Boolean(type.isOrdered) }
      : null,
    children: (valueType.children ?? []).map(describeField),
  };
}

export function describeSchema(schema) {
  return {
    metadata: Object.fromEntries(schema.metadata ?? new Map()),
    fields: schema.fields.map(describeField),
  };
}

export function encodeFloat(value) {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Object.is(value, -0)) return '-0';
  return value;
}

export function encodeInt(value) {
  return typeof value === 'bigint' ? value.toString() : value;
}

export function hex(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function halfToFloat(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

// Decimal words are little-endian 32-bit limbs of a two's complement integer.
export function decimalFromWords(words) {
  let value = 0n;
  for (let i = words.length - 1; i >= 0; i--) value = (value << 32n) | BigInt(words[i] >>> 0);
  const bits = BigInt(words.length * 32);
  if (value >> (bits - 1n)) value -= 1n << bits;
  return value.toString();
}

function vectorValueAt(vector, index) {
  for (const chunk of vector.data) {
    if (index < chunk.length) return valueAt(chunk, index);
    index -= chunk.length;
  }
  throw new Error(`dictionary index ${index} is outside the dictionary`);
}

export function valueAt(data, i) {
  const type = data.type;
  if (type.typeId === Type.Null || !data.getValid(i)) return null;
  const at = data.offset + i;
  if (type.typeId === Type.Dictionary) return vectorValueAt(data.dictionary, Number(data.values[at]));
  switch (type.typeId) {
    case Type.Bool: return ((data.values[at >> 3] >> (at & 7)) & 1) === 1;
    case Type.Int: return encodeInt(data.values[at]);
    case Type.Float:
      return encodeFloat(type.precision === arrow.Precision.HALF ? halfToFloat(data.values[at]) : data.values[at]);
    case Type.Decimal: {
      const stride = type.bitWidth / 32;
      return decimalFromWords(data.values.subarray(at * stride, (at + 1) * stride));
    }
    case Type.Utf8:
    case Type.LargeUtf8:
      return strictUtf8.decode(data.values.subarray(Number(data.valueOffsets[at]), Number(data.valueOffsets[at + 1])));
    case Type.Binary:
    case Type.LargeBinary:
      return hex(data.values.subarray(Number(data.valueOffsets[at]), Number(data.valueOffsets[at + 1])));
    case Type.FixedSizeBinary:
      return hex(data.values.subarray(at * type.byteWidth, (at + 1) * type.byteWidth));
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Duration:
      return encodeInt(data.values[at]);
    case Type.List: {
      const child = data.children[0];
      const out = [];
      for (let j = data.valueOffsets[at]; j < data.valueOffsets[at + 1]; j++) out.push(valueAt(child, j));
      return out;
    }
    case Type.Struct: {
      const out = {};
      type.children.forEach((field, k) => { out[field.name] = valueAt(data.children[k], i); });
      return out;
    }
    default:
      throw new Error(`no JSON encoding for arrow type ${Type[type.typeId]}`);
  }
}

export function describeBatch(batch) {
  return {
    numRows: batch.numRows,
    columns: batch.schema.fields.map((field, k) => {
      const data = batch.data.children[k];
      const values = [];
      for (let i = 0; i < data.length; i++) values.push(valueAt(data, i));
      const column = { name: field.name, length: data.length, nullCount: data.nullCount, values };
      if (data.type.typeId === Type.Dictionary) {
        const dictionary = [];
        for (let j = 0; j < data.dictionary.length; j++) dictionary.push(vectorValueAt(data.dictionary, j));
        column.dictionary = dictionary;
      }
      return column;
    }),
  };
}

export function describeTable(table, format) {
  return {
    format,
    schema: describeSchema(table.schema),
    numRows: table.numRows,
    batches: table.batches.map(describeBatch),
  };
}

// IPC files start with "ARROW1"; streams start with a message (continuation marker or a length).
export function ipcFormat(bytes) {
  const magic = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31];
  return magic.every((b, i) => bytes[i] === b) ? 'file' : 'stream';
}

// Writes JSON to stdout and waits for it to drain: process.exit after a large write could cut it short.
export async function printJson(value) {
  const text = JSON.stringify(value);
  await new Promise((resolve, reject) => process.stdout.write(text + '\n', (err) => (err ? reject(err) : resolve())));
}

export async function main(run) {
  try {
    await run();
  } catch (err) {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exitCode = 1;
  }
}
