using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using TimeUnit = Apache.Arrow.Types.TimeUnit;

namespace Bulwark.Parquet;

// Parquet -> Arrow: leaf types, and the ARROW:schema hint that restores exact Arrow types.
internal static partial class ParquetSchema
{
    private static (IArrowType Type, KeyValuePair<string, string>[]? Metadata, StatsOrder Order) NaturalType(SchemaElement e, int physical, int typeLength, string path, ParquetLocation location, ParquetReadOptions options)
    {
        var logical = e.LogicalType;
        var converted = logical is null ? e.ConvertedType : null;
        if (logical?.Kind == LogicalKind.Decimal || converted == ConvertedType.Decimal)
        {
            var precision = logical?.Precision ?? e.Precision ?? 0;
            var scale = logical?.Scale ?? e.Scale ?? 0;
            if (precision is < 1 or > MaxDecimalPrecision || scale < 0 || scale > precision)
            {
                throw location.Error($"DECIMAL leaf '{path}' has precision {precision} and scale {scale}; Bulwark reads precision 1..38");
            }

            var ok = physical switch
            {
                PhysicalType.Int32 => precision <= 9,
                PhysicalType.Int64 => precision <= 18,
                PhysicalType.FixedLenByteArray => typeLength <= 16,
                PhysicalType.ByteArray => true,
                _ => false,
            };
            if (!ok)
            {
                throw location.Error($"DECIMAL({precision}, {scale}) cannot be stored in {PhysicalType.Name(physical)}");
            }

            var order = physical switch
            {
                PhysicalType.Int32 => StatsOrder.Signed32,
                PhysicalType.Int64 => StatsOrder.Signed64,
                _ => StatsOrder.SignedBigEndian,
            };
            return (new Decimal128Type(precision, scale), null, order);
        }

        switch (physical)
        {
            case PhysicalType.Boolean:
                return (BooleanType.Default, null, StatsOrder.Boolean);
            case PhysicalType.Int32:
                if (logical?.Kind == LogicalKind.Integer)
                {
                    return logical.BitWidth <= 32
                        ? (IntegerOf(logical.BitWidth, logical.IsSigned), null, logical.IsSigned ? StatsOrder.Signed32 : StatsOrder.Unsigned32)
                        : throw location.Error($"INT32 leaf '{path}' is annotated INTEGER({logical.BitWidth})");
                }

                if (logical?.Kind == LogicalKind.Date || converted == ConvertedType.Date)
                {
                    return (Date32Type.Default, null, StatsOrder.Signed32);
                }

                if ((logical?.Kind == LogicalKind.Time && logical.Unit == 1) || converted == ConvertedType.TimeMillis)
                {
                    return (TimeType.Millisecond, null, StatsOrder.Signed32);
                }

                return converted switch
                {
                    ConvertedType.Int8 => (Int8Type.Default, null, StatsOrder.Signed32),
                    ConvertedType.Int16 => (Int16Type.Default, null, StatsOrder.Signed32),
                    ConvertedType.UInt8 => (UInt8Type.Default, null, StatsOrder.Unsigned32),
                    ConvertedType.UInt16 => (UInt16Type.Default, null, StatsOrder.Unsigned32),
                    ConvertedType.UInt32 => (UInt32Type.Default, null, StatsOrder.Unsigned32),
                    _ => (Int32Type.Default, null, StatsOrder.Signed32),
                };
            case PhysicalType.Int64:
                if (logical?.Kind == LogicalKind.Integer)
                {
                    return (IntegerOf(logical.BitWidth, logical.IsSigned), null, logical.IsSigned ? StatsOrder.Signed64 : StatsOrder.Unsigned64);
                }

                if (logical?.Kind == LogicalKind.Timestamp)
                {
                    return (new TimestampType(ToUnit(logical.Unit), logical.IsAdjustedToUtc ? "UTC" : null), null, StatsOrder.Signed64);
                }

                if (logical?.Kind == LogicalKind.Time && logical.Unit != 1)
                {
                    return (new Time64Type(ToUnit(logical.Unit)), null, StatsOrder.Signed64);
                }

                return converted switch
                {
                    ConvertedType.TimestampMillis => (new TimestampType(TimeUnit.Millisecond, "UTC"), null, StatsOrder.Signed64),
                    ConvertedType.TimestampMicros => (new TimestampType(TimeUnit.Microsecond, "UTC"), null, StatsOrder.Signed64),
                    ConvertedType.TimeMicros => (TimeType.Microsecond, null, StatsOrder.Signed64),
                    ConvertedType.UInt64 => (UInt64Type.Default, null, StatsOrder.Unsigned64),
                    _ => (Int64Type.Default, null, StatsOrder.Signed64),
                };
            case PhysicalType.Float:
                return (FloatType.Default, null, StatsOrder.Float);
            case PhysicalType.Double:
                return (DoubleType.Default, null, StatsOrder.Double);
            case PhysicalType.ByteArray:
            {
                var text = logical?.Kind is LogicalKind.String or LogicalKind.Enum or LogicalKind.Json
                    || converted is ConvertedType.Utf8 or ConvertedType.Enum or ConvertedType.Json;
                return (text ? StringType.Default : BinaryType.Default, null, StatsOrder.UnsignedBytes);
            }

            case PhysicalType.FixedLenByteArray:
                if (logical?.Kind == LogicalKind.Float16)
                {
                    // FLOAT16 is defined only on two bytes; any other width is a broken annotation, not a value to guess at.
                    return typeLength == 2
                        ? (HalfFloatType.Default, null, StatsOrder.None)
                        : throw location.Error($"FLOAT16 leaf '{path}' has type_length {typeLength}; FLOAT16 needs 2");
                }

                return logical?.Kind == LogicalKind.Uuid && typeLength == 16
                    ? (new FixedSizeBinaryType(16), [new KeyValuePair<string, string>(ArrowTypes.ExtensionNameKey, "arrow.uuid")], StatsOrder.UnsignedBytes)
                    : (new FixedSizeBinaryType(typeLength), null, StatsOrder.UnsignedBytes);
            default:
                // Legacy Impala/Spark timestamps: nanoseconds of the day and a Julian day, read as UTC-less timestamps in
                // the unit the options ask for; nanoseconds by default, which cannot hold years before 1677 or after 2262.
                return (new TimestampType(options.Int96TimestampUnit ?? TimeUnit.Nanosecond, (string?)null), null, StatsOrder.None);
        }
    }

    private static TimeUnit ToUnit(int unit) => unit switch
    {
        1 => TimeUnit.Millisecond,
        2 => TimeUnit.Microsecond,
        _ => TimeUnit.Nanosecond,
    };

    private static IntegerType IntegerOf(int bitWidth, bool signed) => (bitWidth, signed) switch
    {
        (8, true) => Int8Type.Default,
        (16, true) => Int16Type.Default,
        (32, true) => Int32Type.Default,
        (64, true) => Int64Type.Default,
        (8, false) => UInt8Type.Default,
        (16, false) => UInt16Type.Default,
        (32, false) => UInt32Type.Default,
        _ => UInt64Type.Default,
    };

    /// <summary>How an Arrow field of this type is read from or written to a physical column, or null when it cannot be.</summary>
    public static LeafKind? LeafKindFor(Field field, int physical, int typeLength)
    {
        return (field.DataType, physical) switch
        {
            (DictionaryType { IndexType: IntegerType, ValueType: StringType or BinaryType }, PhysicalType.ByteArray) => LeafKind.DictionaryBinary,
            (DictionaryType, _) => null,
            (BooleanType, PhysicalType.Boolean) => LeafKind.Boolean,
            (IntegerType { BitWidth: 8, IsSigned: true }, PhysicalType.Int32) => LeafKind.Int8,
            (IntegerType { BitWidth: 16, IsSigned: true }, PhysicalType.Int32) => LeafKind.Int16,
            (IntegerType { BitWidth: 8 }, PhysicalType.Int32) => LeafKind.UInt8,
            (IntegerType { BitWidth: 16 }, PhysicalType.Int32) => LeafKind.UInt16,
            (IntegerType { BitWidth: 32 }, PhysicalType.Int32) => LeafKind.Copy4,
            (IntegerType { BitWidth: 64 }, PhysicalType.Int64) => LeafKind.Copy8,
            (FloatType, PhysicalType.Float) => LeafKind.Copy4,
            (DoubleType, PhysicalType.Double) => LeafKind.Copy8,
            (HalfFloatType, PhysicalType.FixedLenByteArray) when typeLength == 2 => LeafKind.FixedBinary,
            (Decimal128Type, PhysicalType.Int32) => LeafKind.DecimalInt32,
            (Decimal128Type, PhysicalType.Int64) => LeafKind.DecimalInt64,
            (Decimal128Type, PhysicalType.FixedLenByteArray) when typeLength <= 16 => LeafKind.DecimalFixed,
            (Decimal128Type, PhysicalType.ByteArray) => LeafKind.DecimalBinary,
            (Decimal128Type, _) => null,
            (StringType or BinaryType, PhysicalType.ByteArray) => LeafKind.Binary,
            (FixedSizeBinaryType { TypeId: ArrowTypeId.FixedSizedBinary } fsb, PhysicalType.FixedLenByteArray) when fsb.ByteWidth == typeLength => LeafKind.FixedBinary,
            (Date32Type, PhysicalType.Int32) => LeafKind.Copy4,
            (Time32Type, PhysicalType.Int32) => LeafKind.Copy4,
            (Time64Type, PhysicalType.Int64) => LeafKind.Copy8,
            (TimestampType, PhysicalType.Int64) => LeafKind.Copy8,
            (TimestampType, PhysicalType.Int96) => LeafKind.Int96Timestamp,
            (DurationType, PhysicalType.Int64) => LeafKind.Copy8,
            _ => null,
        };
    }

    private static bool HintMatches(Field hint, ColumnNode node)
    {
        var natural = node.Field;
        if (hint.Name != natural.Name || hint.IsNullable != natural.IsNullable)
        {
            return false;
        }

        switch (node.Kind)
        {
            case NodeKind.List when natural.DataType is MapType:
                return hint.DataType is MapType map && HintMatches(map.Fields[0], node.Element!, ignoreName: true);
            case NodeKind.List:
                return hint.DataType is ListType list && HintMatches(list.ValueField, node.Element!, ignoreName: true);
            case NodeKind.Struct:
                return hint.DataType is StructType st && st.Fields.Count == node.Children.Length
                    && st.Fields.Select((f, i) => HintMatches(f, node.Children[i])).All(m => m);
            default:
            {
                var leaf = node.Leaf!;
                if (LeafKindFor(hint, leaf.PhysicalType, leaf.TypeLength) is null)
                {
                    return false;
                }

                if (hint.DataType is DictionaryType dictionary)
                {
                    return natural.DataType is StringType or BinaryType && ArrowTypes.Equal(dictionary.ValueType, natural.DataType);
                }

                return (hint.DataType, natural.DataType) switch
                {
                    (DurationType, Int64Type) => true,
                    // INT96 holds nanoseconds over a range int64 nanoseconds cannot cover: the Arrow schema's unit
                    // (a writer's timestamp[us], say) is read exactly and reaches further.
                    (TimestampType h, TimestampType n) => h.Unit == n.Unit || leaf.PhysicalType == PhysicalType.Int96,
                    (StringType, BinaryType) => true,
                    var (h, n) => ArrowTypes.Equal(h, n),
                };
            }
        }
    }

    private static bool HintMatches(Field hint, ColumnNode node, bool ignoreName) =>
        ignoreName ? HintMatches(new Field(node.Field.Name, hint.DataType, hint.IsNullable, hint.HasMetadata ? hint.Metadata : null), node) : HintMatches(hint, node);

    private static void ApplyHint(Field hint, ColumnNode node)
    {
        switch (node.Kind)
        {
            case NodeKind.List when hint.DataType is MapType map:
                ApplyHint(map.Fields[0], node.Element!);
                break;
            case NodeKind.List:
                ApplyHint(((ListType)hint.DataType).ValueField, node.Element!);
                break;
            case NodeKind.Struct:
                var st = (StructType)hint.DataType;
                for (var i = 0; i < node.Children.Length; i++)
                {
                    ApplyHint(st.Fields[i], node.Children[i]);
                }

                break;
            default:
                node.Leaf!.Kind = LeafKindFor(hint, node.Leaf.PhysicalType, node.Leaf.TypeLength)!.Value;
                node.Leaf.TypedByArrowSchema = true;
                break;
        }

        node.Field = hint;
    }
}
