// DuckDB values in the JSON conventions of describe.mjs, so that one C# comparison serves every reader:
//   null -> null; BOOLEAN -> true/false; integers up to 32 bits -> numbers; BIGINT, UBIGINT, HUGEINT -> decimal strings;
//   FLOAT/DOUBLE -> numbers, "NaN"/"Infinity"/"-Infinity"/"-0" as strings; DECIMAL -> the unscaled integer as a string;
//   VARCHAR and ENUM -> string; BLOB -> lowercase hex; UUID -> the 16 bytes in RFC 4122 order as lowercase hex;
//   DATE -> days since the epoch (number); TIME, TIMESTAMP, TIMESTAMP WITH TIME ZONE -> raw microseconds as a string;
//   TIMESTAMP_S and TIMESTAMP_MS -> the same instant in microseconds as a string; TIMESTAMP_NS and TIME_NS -> raw
//   nanoseconds as a string; GEOMETRY -> its WKB as lowercase hex; LIST/ARRAY -> array; STRUCT -> object keyed by
//   member name; MAP -> array of {key, value} objects in stored order.
// Values are taken from DuckDB's raw representations (days, micros, unscaled integers, bytes), never from its text
// output, so nothing is rounded or reformatted on the way.
import { DuckDBInstance, DuckDBTypeId } from '@duckdb/node-api';
import { encodeFloat } from './describe.mjs';

export function encodeDuckDBValue(value, type) {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return value;
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
      return Number(value);
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return BigInt(value).toString();
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return encodeFloat(value);
    case DuckDBTypeId.DECIMAL:
      return BigInt(value.value).toString();
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.ENUM:
      return value;
    case DuckDBTypeId.BLOB:
      return Buffer.from(value.bytes).toString('hex');
    case DuckDBTypeId.UUID:
      return value.toUint128().toString(16).padStart(32, '0');
    case DuckDBTypeId.DATE:
      return value.days;
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return BigInt(value.micros).toString();
    case DuckDBTypeId.TIMESTAMP_S:
      return (BigInt(value.seconds) * 1000000n).toString();
    case DuckDBTypeId.TIMESTAMP_MS:
      return (BigInt(value.millis) * 1000n).toString();
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIME_NS:
      return BigInt(value.nanos).toString();
    case DuckDBTypeId.GEOMETRY:
      return Buffer.from(value.bytes).toString('hex');
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return value.items.map((item) => encodeDuckDBValue(item, type.valueType));
    case DuckDBTypeId.MAP:
      return value.entries.map((entry) => ({ key: encodeDuckDBValue(entry.key, type.keyType), value: encodeDuckDBValue(entry.value, type.valueType) }));
    case DuckDBTypeId.STRUCT: {
      const out = {};
      type.entryNames.forEach((name, k) => { out[name] = encodeDuckDBValue(value.entries[name], type.entryTypes[k]); });
      return out;
    }
    default:
      throw new Error(`no JSON encoding for DuckDB type ${type}`);
  }
}

/** Every row of a materialized result, column by column: { columns: [{name, type}], numRows, values: {name: [...]} }. */
export function describeResult(reader) {
  const names = reader.columnNames();
  const types = reader.columnTypes();
  const rows = reader.getRows();
  const values = {};
  names.forEach((name, k) => { values[name] = rows.map((row) => encodeDuckDBValue(row[k], types[k])); });
  return {
    columns: names.map((name, k) => ({ name, type: types[k].toString() })),
    numRows: rows.length,
    values,
  };
}

/** A single-connection in-memory DuckDB with UTC as the session time zone, so TIMESTAMPTZ text is the same everywhere. */
export async function openDuckDB(threads) {
  const options = threads ? { threads: String(threads) } : {};
  const instance = await DuckDBInstance.create(':memory:', options);
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  return { instance, connection };
}

/** A SQL string literal; paths come from the test harness but may hold quotes. */
export function sqlString(text) {
  return `'${String(text).replaceAll("'", "''")}'`;
}

export function sqlIdentifier(name) {
  return `"${String(name).replaceAll('"', '""')}"`;
}

