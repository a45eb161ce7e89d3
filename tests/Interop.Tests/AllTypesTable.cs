using System.Text.Json.Nodes;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Records;
using TimeUnit = Apache.Arrow.Types.TimeUnit;

namespace Bulwark.Interop.Tests;

/// <summary>
/// A table with a column of every type Bulwark maps (DESIGN.md section 2), nulls in every nullable column, empty
/// strings and lists, and the extremes of each type. Expected JSON is spelled out from the source values, never read
/// back from the arrays, so a builder or writer that stored something else shows up as a difference.
/// </summary>
internal static class AllTypesTable
{
    /// <summary>Uneven batch sizes, one of a single row: validity bitmaps end mid-byte and cycles fall differently per batch.</summary>
    public static readonly int[] BatchSizes = [7, 1, 13, 8];

    public const string UuidExtension = "arrow.uuid";

    public static readonly string[] Colors = ["red", "green", "blue", string.Empty, "🟥 astral"];

    public static TestTable Create()
    {
        var columns = new List<IColumnSpec>
        {
            new ColumnSpec<PrimitiveColumnBuilder<long>, long>(
                new Field("id", Int64Type.Default, nullable: false),
                row => (long)row,
                () => new PrimitiveColumnBuilder<long>(Int64Type.Default),
                (b, v) => b.Append(v),
                v => ArrowJson.Invariant(v)),
            new ColumnSpec<Utf8ColumnBuilder, string>(
                new Field("name", StringType.Default, nullable: false),
                row => "row " + ArrowJson.Invariant(row),
                () => new Utf8ColumnBuilder(),
                (b, v) => b.Append(v),
                v => v),
            new ColumnSpec<BooleanColumnBuilder, bool?>(
                new Field("flag", BooleanType.Default, nullable: true),
                [true, false, null, false, true, true, null, true, false, false, true],
                () => new BooleanColumnBuilder(),
                (b, v) => b.Append(v!.Value),
                v => v!.Value),
            Primitive<sbyte>("i8", Int8Type.Default, [sbyte.MinValue, sbyte.MaxValue, 0, null, -1, 42], v => v),
            Primitive<short>("i16", Int16Type.Default, [short.MinValue, short.MaxValue, null, 0, -1, 1234], v => v),
            Primitive<int>("i32", Int32Type.Default, [int.MinValue, int.MaxValue, 0, -1, null, 123456], v => v),
            Primitive<long>("i64", Int64Type.Default, [long.MinValue, long.MaxValue, 0, null, -1, 9007199254740993], v => ArrowJson.Invariant(v)),
            Primitive<byte>("u8", UInt8Type.Default, [byte.MinValue, byte.MaxValue, null, 1, 128], v => v),
            Primitive<ushort>("u16", UInt16Type.Default, [ushort.MinValue, ushort.MaxValue, 1, null, 32768], v => v),
            Primitive<uint>("u32", UInt32Type.Default, [uint.MinValue, uint.MaxValue, null, 1, 2147483648], v => v),
            Primitive<ulong>("u64", UInt64Type.Default, [ulong.MinValue, ulong.MaxValue, null, 1, 9223372036854775808], v => ArrowJson.Invariant(v)),
            Primitive<float>("f32", FloatType.Default,
                [0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, null, 1.5f, float.MaxValue, float.Epsilon, 1.1f, float.MinValue],
                v => ArrowJson.Float(v)),
            Primitive<double>("f64", DoubleType.Default,
                [0d, -0d, double.NaN, double.PositiveInfinity, double.NegativeInfinity, null, double.MaxValue, double.Epsilon, 0.1, -123.456, double.MinValue],
                v => ArrowJson.Float(v)),
            Decimal("dec", new Decimal128Type(38, 9),
            [
                (0m, "0"),
                (1.5m, "1500000000"),
                (-0.000000001m, "-1"),
                (decimal.MaxValue, "79228162514264337593543950335000000000"),
                null,
                (decimal.MinValue, "-79228162514264337593543950335000000000"),
                (123456789.123456789m, "123456789123456789"),
            ]),
            Decimal("price", new Decimal128Type(9, 2),
            [
                (0m, "0"),
                (9999999.99m, "999999999"),
                (-0.01m, "-1"),
                null,
                (12.5m, "1250"),
            ]),
            new ColumnSpec<Utf8ColumnBuilder, string?>(
                new Field("text", StringType.Default, nullable: true, metadata: [new KeyValuePair<string, string>("comment", "free text, ünïcödé")]),
                [string.Empty, "ascii", null, "é ü ß", "😀 astral 𝄞", "中文", "nul\0inside", "line\nbreak \"quoted\" \\", "\u2028 separator", new string('x', 1000) + "end"],
                () => new Utf8ColumnBuilder(),
                (b, v) => b.Append(v),
                v => v),
            new ColumnSpec<BinaryColumnBuilder, byte[]?>(
                new Field("bytes", BinaryType.Default, nullable: true),
                [[], [0, 1, 2, 255], null, [0xde, 0xad, 0xbe, 0xef], Enumerable.Range(0, 256).Select(i => (byte)i).ToArray()],
                () => new BinaryColumnBuilder(),
                (b, v) => b.Append(v),
                v => ArrowJson.Hex(v)),
            new ColumnSpec<FixedSizeBinaryColumnBuilder, Guid?>(
                new Field("uuid", new FixedSizeBinaryType(16), nullable: true, metadata: [new KeyValuePair<string, string>(ArrowTypes.ExtensionNameKey, UuidExtension)]),
                [Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), null, Guid.Parse("ffffffff-ffff-ffff-ffff-ffffffffffff"), Guid.Empty, Guid.Parse("12345678-9abc-4def-8123-456789abcdef")],
                () => new FixedSizeBinaryColumnBuilder(new FixedSizeBinaryType(16)),
                (b, v) => b.Append(v!.Value),
                // "N" prints the RFC 4122 byte order, which is what arrow.uuid stores.
                v => v!.Value.ToString("N")),
            Primitive<int>("day", Date32Type.Default,
                [0, -1, 19000, null, ArrowConvert.ToDays(DateOnly.MinValue), ArrowConvert.ToDays(DateOnly.MaxValue), int.MinValue, int.MaxValue],
                v => v),
            Primitive<long>("time", new Time64Type(TimeUnit.Microsecond),
                [0, ArrowConvert.ToMicroseconds(TimeOnly.MaxValue), null, 43200000000, 1],
                v => ArrowJson.Invariant(v)),
            Primitive<long>("ts", new TimestampType(TimeUnit.Microsecond, "UTC"),
                [
                    0, -1, ArrowConvert.ToUnixMicroseconds(new DateTimeOffset(2023, 11, 14, 22, 13, 20, TimeSpan.Zero).AddTicks(1234560)), null,
                    ArrowConvert.ToUnixMicroseconds(DateTime.MinValue), ArrowConvert.ToUnixMicroseconds(DateTime.MaxValue), long.MinValue, long.MaxValue,
                ],
                v => ArrowJson.Invariant(v)),
            Primitive<long>("dur", DurationType.Microsecond,
                [0, -1, null, long.MaxValue, long.MinValue, 86400000000, ArrowConvert.ToMicroseconds(TimeSpan.FromDays(-3.5))],
                v => ArrowJson.Invariant(v)),
            Dictionary("color", [0, 1, 2, null, 3, 4, 0, 2]),
            new ColumnSpec<ListColumnBuilder<PrimitiveColumnBuilder<int>>, int?[]?>(
                new Field("ints", new ListType(new Field("item", Int32Type.Default, nullable: true)), nullable: true),
                [[], [1, 2, 3], null, [null, -1], [int.MaxValue, int.MinValue]],
                () => new ListColumnBuilder<PrimitiveColumnBuilder<int>>(new PrimitiveColumnBuilder<int>(Int32Type.Default), valuesNullable: true),
                (b, v) =>
                {
                    foreach (var item in v!)
                    {
                        b.Values.Append(item);
                    }

                    b.EndList();
                },
                v => new JsonArray(v!.Select(i => i is null ? null : (JsonNode)i.Value).ToArray())),
            new ColumnSpec<ListColumnBuilder<Utf8ColumnBuilder>, string?[]?>(
                new Field("words", new ListType(new Field("item", StringType.Default, nullable: true)), nullable: true),
                [["a", string.Empty, null], null, [], ["😀"], ["x", "y", "z", "w"]],
                () => new ListColumnBuilder<Utf8ColumnBuilder>(new Utf8ColumnBuilder(), valuesNullable: true),
                (b, v) =>
                {
                    foreach (var item in v!)
                    {
                        b.Values.Append(item);
                    }

                    b.EndList();
                },
                v => new JsonArray(v!.Select(s => (JsonNode?)s).ToArray())),
            PointColumn(),
            PairColumn(),
        };

        return new TestTable(columns, [new("created_by", "bulwark interop test"), new("note", "schema metadata ünïcödé 😀")]);
    }

    /// <summary>The schema every reader must report for <see cref="Create"/>'s table, written out by hand.</summary>
    public static JsonNode ExpectedSchema() => JsonNode.Parse(
        """
        {
          "metadata": { "created_by": "bulwark interop test", "note": "schema metadata ünïcödé 😀" },
          "fields": [
            { "name": "id", "type": "int64", "nullable": false, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "name", "type": "utf8", "nullable": false, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "flag", "type": "bool", "nullable": true, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "i8", "type": "int8", "nullable": true, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "i16", "type": "int16", "nullable": true, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "i32", "type": "int32", "nullable": true, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "i64", "type": "int64", "nullable": true, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "u8", "type": "uint8", "nullable": true, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "u16", "type": "uint16", "nullable": true, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "u32", "type": "uint32", "nullable": true, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "u64", "type": "uint64", "nullable": true, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "f32", "type": "float32", "nullable": true, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "f64", "type": "float64", "nullable": true, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "dec", "type": "decimal128(38, 9)", "nullable": true, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "price", "type": "decimal128(9, 2)", "nullable": true, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "text", "type": "utf8", "nullable": true, "metadata": { "comment": "free text, ünïcödé" }, "dictionary": null, "children": [] },
            { "name": "bytes", "type": "binary", "nullable": true, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "uuid", "type": "fixed_size_binary(16)", "nullable": true, "metadata": { "ARROW:extension:name": "arrow.uuid" }, "dictionary": null, "children": [] },
            { "name": "day", "type": "date32[day]", "nullable": true, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "time", "type": "time64[us]", "nullable": true, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "ts", "type": "timestamp[us, UTC]", "nullable": true, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "dur", "type": "duration[us]", "nullable": true, "metadata": {}, "dictionary": null, "children": [] },
            { "name": "color", "type": "utf8", "nullable": true, "metadata": {}, "dictionary": { "id": 0, "indexType": "int32", "ordered": false }, "children": [] },
            { "name": "ints", "type": "list", "nullable": true, "metadata": {}, "dictionary": null, "children": [
              { "name": "item", "type": "int32", "nullable": true, "metadata": {}, "dictionary": null, "children": [] } ] },
            { "name": "words", "type": "list", "nullable": true, "metadata": {}, "dictionary": null, "children": [
              { "name": "item", "type": "utf8", "nullable": true, "metadata": {}, "dictionary": null, "children": [] } ] },
            { "name": "point", "type": "struct", "nullable": true, "metadata": {}, "dictionary": null, "children": [
              { "name": "x", "type": "int32", "nullable": false, "metadata": {}, "dictionary": null, "children": [] },
              { "name": "label", "type": "utf8", "nullable": true, "metadata": {}, "dictionary": null, "children": [] } ] },
            { "name": "pair", "type": "struct", "nullable": false, "metadata": {}, "dictionary": null, "children": [
              { "name": "key", "type": "int64", "nullable": false, "metadata": {}, "dictionary": null, "children": [] },
              { "name": "value", "type": "utf8", "nullable": true, "metadata": {}, "dictionary": null, "children": [] } ] }
          ]
        }
        """)!;

    public static ColumnSpec<PrimitiveColumnBuilder<T>, T?> Primitive<T>(string name, IArrowType type, T?[] cycle, Func<T, JsonNode> encode)
        where T : unmanaged =>
        new(
            new Field(name, type, nullable: true),
            cycle,
            () => new PrimitiveColumnBuilder<T>(type),
            (b, v) => b.Append(v!.Value),
            v => encode(v!.Value));

    /// <summary>A dictionary&lt;int32, utf8&gt; column over <see cref="Colors"/>; one dictionary serves every batch.</summary>
    public static ColumnSpec<DictionaryColumnBuilder, int?> Dictionary(string name, int?[] cycle) =>
        Dictionary(name, row => cycle[row % cycle.Length]);

    /// <summary>A dictionary&lt;int32, utf8&gt; column over <see cref="Colors"/> whose row r holds index <paramref name="index"/>(r).</summary>
    public static ColumnSpec<DictionaryColumnBuilder, int?> Dictionary(string name, Func<int, int?> index)
    {
        var dictionary = DictionaryColumnBuilder.CreateUtf8Dictionary(Colors);
        return new ColumnSpec<DictionaryColumnBuilder, int?>(
            new Field(name, new DictionaryType(Int32Type.Default, StringType.Default, false), nullable: true),
            index,
            () => new DictionaryColumnBuilder(dictionary),
            (b, v) => b.AppendIndex(v!.Value),
            v => Colors[v!.Value],
            Colors);
    }

    // Each value comes with its unscaled integer written out, so the expectation does not reuse the builder's scaling.
    private static ColumnSpec<Decimal128ColumnBuilder, (decimal Value, string Unscaled)?> Decimal(string name, Decimal128Type type, (decimal Value, string Unscaled)?[] cycle) =>
        new(
            new Field(name, type, nullable: true),
            cycle,
            () => new Decimal128ColumnBuilder(type),
            (b, v) => b.Append(v!.Value.Value),
            v => v!.Value.Unscaled);

    private sealed record Point(int X, string? Label);

    private sealed record Pair(long Key, string? Value);

    // A null struct slot puts a null in every child (StructColumnBuilder.AppendNull), even in the non-nullable "x": the
    // format allows that under a null parent slot, and the readers must accept it (arrow-rs checks it).
    private static IColumnSpec PointColumn()
    {
        var type = new StructType([new Field("x", Int32Type.Default, nullable: false), new Field("label", StringType.Default, nullable: true)]);
        Point?[] cycle = [new(1, "a"), null, new(-1, null), new(0, string.Empty), new(int.MaxValue, "😀")];
        return new ColumnSpec<StructColumnBuilder, Point?>(
            new Field("point", type, nullable: true),
            cycle,
            () => new StructColumnBuilder(type, [new PrimitiveColumnBuilder<int>(Int32Type.Default), new Utf8ColumnBuilder()]),
            (b, v) =>
            {
                ((PrimitiveColumnBuilder<int>)b.Children[0]).Append(v!.X);
                ((Utf8ColumnBuilder)b.Children[1]).Append(v.Label);
                b.Append();
            },
            v => new JsonObject { ["x"] = v!.X, ["label"] = v.Label });
    }

    // A non-nullable struct column, so a struct field's own non-nullable flag is checked too.
    private static IColumnSpec PairColumn()
    {
        var type = new StructType([new Field("key", Int64Type.Default, nullable: false), new Field("value", StringType.Default, nullable: true)]);
        return new ColumnSpec<StructColumnBuilder, Pair>(
            new Field("pair", type, nullable: false),
            row => new Pair(-row * 1000L, row % 3 == 0 ? null : "v" + ArrowJson.Invariant(row)),
            () => new StructColumnBuilder(type, [new PrimitiveColumnBuilder<long>(Int64Type.Default), new Utf8ColumnBuilder()]),
            (b, v) =>
            {
                ((PrimitiveColumnBuilder<long>)b.Children[0]).Append(v.Key);
                ((Utf8ColumnBuilder)b.Children[1]).Append(v.Value);
                b.Append();
            },
            v => new JsonObject { ["key"] = ArrowJson.Invariant(v.Key), ["value"] = v.Value });
    }
}
