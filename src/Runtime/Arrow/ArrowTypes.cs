using System.Globalization;
using Apache.Arrow;
using Apache.Arrow.Types;
using TimeUnit = Apache.Arrow.Types.TimeUnit;

namespace Bulwark.Arrow;

/// <summary>
/// What Apache.Arrow's types leave out: a readable name for error messages (<c>timestamp[us, UTC]</c>, not the class
/// name) and structural equality of types, fields and schemas (Apache's types compare by reference).
/// </summary>
public static class ArrowTypes
{
    /// <summary>The metadata key Arrow uses to name an extension type.</summary>
    public const string ExtensionNameKey = "ARROW:extension:name";

    /// <summary>The metadata key Arrow uses for an extension type's serialized parameters.</summary>
    public const string ExtensionMetadataKey = "ARROW:extension:metadata";

    /// <summary>The type in the notation Arrow's other implementations print: <c>int32</c>, <c>list&lt;item: utf8&gt;</c>.</summary>
    public static string Describe(IArrowType type) => type switch
    {
        null => "null",
        NullType => "null",
        BooleanType => "bool",
        IntegerType i => (i.IsSigned ? "int" : "uint") + i.BitWidth.ToString(CultureInfo.InvariantCulture),
        HalfFloatType => "halffloat",
        FloatType => "float",
        DoubleType => "double",
        Decimal128Type d => $"decimal128({d.Precision}, {d.Scale})",
        Decimal256Type d => $"decimal256({d.Precision}, {d.Scale})",
        StringType => "utf8",
        LargeStringType => "large_utf8",
        BinaryType => "binary",
        LargeBinaryType => "large_binary",
        FixedSizeBinaryType f => $"fixed_size_binary({f.ByteWidth})",
        Date32Type => "date32",
        Date64Type => "date64",
        TimeType t => $"time{t.BitWidth}[{ShortName(t.Unit)}]",
        TimestampType t => t.Timezone is null ? $"timestamp[{ShortName(t.Unit)}]" : $"timestamp[{ShortName(t.Unit)}, {t.Timezone}]",
        DurationType d => $"duration[{ShortName(d.Unit)}]",
        ListType l => $"list<{l.ValueField.Name}: {Describe(l.ValueDataType)}>",
        MapType m => $"map<{Describe(m.KeyField.DataType)}, {Describe(m.ValueField.DataType)}{(m.KeySorted ? ", keys_sorted" : string.Empty)}>",
        StructType s => "struct<" + string.Join(", ", s.Fields.Select(f => $"{f.Name}: {Describe(f.DataType)}")) + ">",
        DictionaryType d => $"dictionary<{Describe(d.IndexType)}, {Describe(d.ValueType)}>",
        _ => type.Name,
    };

    /// <summary>The field as <c>name: type</c>, with <c>not null</c> when it cannot hold nulls.</summary>
    public static string Describe(Field field) =>
        $"{field.Name}: {Describe(field.DataType)}{(field.IsNullable ? string.Empty : " not null")}";

    /// <summary>The schema as <c>schema&lt;field, field…&gt;</c>.</summary>
    public static string Describe(Schema schema) => "schema<" + string.Join(", ", schema.FieldsList.Select(Describe)) + ">";

    /// <summary>Whether two types are the same Arrow type, parameters and child fields included.</summary>
    public static bool Equal(IArrowType? left, IArrowType? right)
    {
        if (ReferenceEquals(left, right))
        {
            return true;
        }

        if (left is null || right is null || left.TypeId != right.TypeId)
        {
            return false;
        }

        return (left, right) switch
        {
            (IntegerType a, IntegerType b) => a.BitWidth == b.BitWidth && a.IsSigned == b.IsSigned,
            (FloatingPointType a, FloatingPointType b) => a.Precision == b.Precision,
            (Decimal128Type a, Decimal128Type b) => a.Precision == b.Precision && a.Scale == b.Scale,
            (Decimal256Type a, Decimal256Type b) => a.Precision == b.Precision && a.Scale == b.Scale,
            (FixedSizeBinaryType a, FixedSizeBinaryType b) => a.ByteWidth == b.ByteWidth,
            (TimestampType a, TimestampType b) => a.Unit == b.Unit && string.Equals(a.Timezone, b.Timezone, StringComparison.Ordinal),
            (TimeType a, TimeType b) => a.Unit == b.Unit,
            (DurationType a, DurationType b) => a.Unit == b.Unit,
            (DateType a, DateType b) => a.Unit == b.Unit,
            (ListType a, ListType b) => Equal(a.ValueField, b.ValueField),
            (MapType a, MapType b) => a.KeySorted == b.KeySorted && Equal(a.Fields, b.Fields),
            (StructType a, StructType b) => Equal(a.Fields, b.Fields),
            (DictionaryType a, DictionaryType b) => a.Ordered == b.Ordered && Equal(a.IndexType, b.IndexType) && Equal(a.ValueType, b.ValueType),
            _ => left.GetType() == right.GetType(),
        };
    }

    /// <summary>Whether two fields have the same name, type, nullability and metadata.</summary>
    public static bool Equal(Field? left, Field? right)
    {
        if (ReferenceEquals(left, right))
        {
            return true;
        }

        return left is not null && right is not null
            && string.Equals(left.Name, right.Name, StringComparison.Ordinal)
            && left.IsNullable == right.IsNullable
            && Equal(left.DataType, right.DataType)
            && MetadataEqual(left.HasMetadata ? left.Metadata : null, right.HasMetadata ? right.Metadata : null);
    }

    /// <summary>Whether two schemas have equal fields in the same order and the same metadata.</summary>
    public static bool Equal(Schema? left, Schema? right)
    {
        if (ReferenceEquals(left, right))
        {
            return true;
        }

        return left is not null && right is not null
            && Equal(left.FieldsList, right.FieldsList)
            && MetadataEqual(left.HasMetadata ? left.Metadata : null, right.HasMetadata ? right.Metadata : null);
    }

    /// <summary>The <c>ARROW:extension:name</c> metadata value, if the field carries an extension type.</summary>
    public static string? ExtensionName(Field field) =>
        field.HasMetadata && field.Metadata.TryGetValue(ExtensionNameKey, out var name) ? name : null;

    /// <summary>The bytes one value of a fixed-width type takes, or 0 for bit-packed, variable-width and nested types.</summary>
    internal static int ByteWidth(IArrowType type) => type switch
    {
        BooleanType => 0,
        DictionaryType => 0,
        FixedSizeBinaryType f => f.ByteWidth,
        FixedWidthType f when f.BitWidth % 8 == 0 => f.BitWidth / 8,
        _ => 0,
    };

    internal static string ShortName(TimeUnit unit) => unit switch
    {
        TimeUnit.Second => "s",
        TimeUnit.Millisecond => "ms",
        TimeUnit.Microsecond => "us",
        _ => "ns",
    };

    private static bool Equal(IReadOnlyList<Field> left, IReadOnlyList<Field> right)
    {
        if (left.Count != right.Count)
        {
            return false;
        }

        for (var i = 0; i < left.Count; i++)
        {
            if (!Equal(left[i], right[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool MetadataEqual(IReadOnlyDictionary<string, string>? left, IReadOnlyDictionary<string, string>? right)
    {
        var leftCount = left?.Count ?? 0;
        if (leftCount != (right?.Count ?? 0))
        {
            return false;
        }

        if (leftCount == 0)
        {
            return true;
        }

        foreach (var (key, value) in left!)
        {
            if (!right!.TryGetValue(key, out var other) || !string.Equals(value, other, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
