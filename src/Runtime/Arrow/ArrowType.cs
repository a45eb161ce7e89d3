namespace Bulwark.Arrow;

/// <summary>The Arrow logical types Bulwark reads and writes (Schema.fbs <c>Type</c> union members).</summary>
public enum ArrowTypeId
{
    Null,
    Boolean,
    Int,
    FloatingPoint,
    Decimal,
    Utf8,
    Binary,
    FixedSizeBinary,
    Date,
    Time,
    Timestamp,
    Duration,
    List,
    Struct,
}

/// <summary>Time resolution of Timestamp, Time and Duration types (Schema.fbs <c>TimeUnit</c>).</summary>
public enum TimeUnit : short
{
    Second = 0,
    Millisecond = 1,
    Microsecond = 2,
    Nanosecond = 3,
}

/// <summary>Schema.fbs <c>Precision</c>.</summary>
public enum FloatingPointPrecision : short
{
    Half = 0,
    Single = 1,
    Double = 2,
}

/// <summary>Schema.fbs <c>DateUnit</c>.</summary>
public enum DateUnit : short
{
    Day = 0,
    Millisecond = 1,
}

/// <summary>
/// An immutable Arrow data type. Types compare by value so that schemas can be compared with <c>==</c>/<c>Equals</c>.
/// </summary>
public abstract record ArrowType
{
    private protected ArrowType()
    {
    }

    public abstract ArrowTypeId Id { get; }

    /// <summary>Width in bits of one value for fixed-width types; 0 for variable-width and nested types.</summary>
    public virtual int BitWidth => 0;

    public abstract override string ToString();
}

public sealed record NullType : ArrowType
{
    public static readonly NullType Default = new();

    public override ArrowTypeId Id => ArrowTypeId.Null;

    public override string ToString() => "null";
}

public sealed record BooleanType : ArrowType
{
    public static readonly BooleanType Default = new();

    public override ArrowTypeId Id => ArrowTypeId.Boolean;

    public override int BitWidth => 1;

    public override string ToString() => "bool";
}

public sealed record IntType : ArrowType
{
    public static readonly IntType Int8 = new(8, true);
    public static readonly IntType Int16 = new(16, true);
    public static readonly IntType Int32 = new(32, true);
    public static readonly IntType Int64 = new(64, true);
    public static readonly IntType UInt8 = new(8, false);
    public static readonly IntType UInt16 = new(16, false);
    public static readonly IntType UInt32 = new(32, false);
    public static readonly IntType UInt64 = new(64, false);

    public IntType(int bitWidth, bool isSigned)
    {
        if (bitWidth is not (8 or 16 or 32 or 64))
        {
            throw new ArgumentOutOfRangeException(nameof(bitWidth), bitWidth, "Arrow integers are 8, 16, 32 or 64 bits wide.");
        }

        Width = bitWidth;
        IsSigned = isSigned;
    }

    public int Width { get; }

    public bool IsSigned { get; }

    public override ArrowTypeId Id => ArrowTypeId.Int;

    public override int BitWidth => Width;

    public override string ToString() => (IsSigned ? "int" : "uint") + Width.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public sealed record FloatingPointType : ArrowType
{
    public static readonly FloatingPointType Float32 = new(FloatingPointPrecision.Single);
    public static readonly FloatingPointType Float64 = new(FloatingPointPrecision.Double);

    public FloatingPointType(FloatingPointPrecision precision) => Precision = precision;

    public FloatingPointPrecision Precision { get; }

    public override ArrowTypeId Id => ArrowTypeId.FloatingPoint;

    public override int BitWidth => Precision switch
    {
        FloatingPointPrecision.Half => 16,
        FloatingPointPrecision.Single => 32,
        _ => 64,
    };

    public override string ToString() => Precision switch
    {
        FloatingPointPrecision.Half => "float16",
        FloatingPointPrecision.Single => "float32",
        _ => "float64",
    };
}

/// <summary>Decimal128(precision, scale): a 128-bit little-endian two's complement unscaled integer.</summary>
public sealed record Decimal128Type : ArrowType
{
    public const int MaxPrecision = 38;

    public Decimal128Type(int precision, int scale)
    {
        if (precision is < 1 or > MaxPrecision)
        {
            throw new ArgumentOutOfRangeException(nameof(precision), precision, "Decimal128 precision must be between 1 and 38.");
        }

        if (scale < 0 || scale > precision)
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "Decimal128 scale must be between 0 and the precision.");
        }

        Precision = precision;
        Scale = scale;
    }

    public int Precision { get; }

    public int Scale { get; }

    public override ArrowTypeId Id => ArrowTypeId.Decimal;

    public override int BitWidth => 128;

    public override string ToString() => $"decimal128({Precision}, {Scale})";
}

public sealed record Utf8Type : ArrowType
{
    public static readonly Utf8Type Default = new();

    public override ArrowTypeId Id => ArrowTypeId.Utf8;

    public override string ToString() => "utf8";
}

public sealed record BinaryType : ArrowType
{
    public static readonly BinaryType Default = new();

    public override ArrowTypeId Id => ArrowTypeId.Binary;

    public override string ToString() => "binary";
}

public sealed record FixedSizeBinaryType : ArrowType
{
    public FixedSizeBinaryType(int byteWidth)
    {
        if (byteWidth < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(byteWidth), byteWidth, "FixedSizeBinary width must be positive.");
        }

        ByteWidth = byteWidth;
    }

    public int ByteWidth { get; }

    public override ArrowTypeId Id => ArrowTypeId.FixedSizeBinary;

    public override int BitWidth => ByteWidth * 8;

    public override string ToString() => $"fixed_size_binary({ByteWidth})";
}

/// <summary>Date32 (days since the epoch, <see cref="DateUnit.Day"/>) or Date64 (milliseconds).</summary>
public sealed record DateType : ArrowType
{
    public static readonly DateType Date32 = new(DateUnit.Day);
    public static readonly DateType Date64 = new(DateUnit.Millisecond);

    public DateType(DateUnit unit) => Unit = unit;

    public DateUnit Unit { get; }

    public override ArrowTypeId Id => ArrowTypeId.Date;

    public override int BitWidth => Unit == DateUnit.Day ? 32 : 64;

    public override string ToString() => Unit == DateUnit.Day ? "date32" : "date64";
}

/// <summary>Time of day: Time32 (s, ms) or Time64 (µs, ns).</summary>
public sealed record TimeType : ArrowType
{
    public static readonly TimeType Time64Microsecond = new(TimeUnit.Microsecond);

    public TimeType(TimeUnit unit) => Unit = unit;

    public TimeUnit Unit { get; }

    public override ArrowTypeId Id => ArrowTypeId.Time;

    public override int BitWidth => Unit is TimeUnit.Second or TimeUnit.Millisecond ? 32 : 64;

    public override string ToString() => $"time{BitWidth}[{Unit.ToShortName()}]";
}

public sealed record TimestampType : ArrowType
{
    public static readonly TimestampType MicrosecondUtc = new(TimeUnit.Microsecond, "UTC");

    public TimestampType(TimeUnit unit, string? timezone)
    {
        Unit = unit;
        Timezone = timezone;
    }

    public TimeUnit Unit { get; }

    /// <summary>The time zone name, or null for a zone-less (local wall clock) timestamp.</summary>
    public string? Timezone { get; }

    public override ArrowTypeId Id => ArrowTypeId.Timestamp;

    public override int BitWidth => 64;

    public override string ToString() => Timezone is null ? $"timestamp[{Unit.ToShortName()}]" : $"timestamp[{Unit.ToShortName()}, {Timezone}]";
}

public sealed record DurationType : ArrowType
{
    public static readonly DurationType Microsecond = new(TimeUnit.Microsecond);

    public DurationType(TimeUnit unit) => Unit = unit;

    public TimeUnit Unit { get; }

    public override ArrowTypeId Id => ArrowTypeId.Duration;

    public override int BitWidth => 64;

    public override string ToString() => $"duration[{Unit.ToShortName()}]";
}

/// <summary>A variable-length list with 32-bit offsets; <see cref="ValueField"/> describes the elements.</summary>
public sealed record ListType : ArrowType
{
    public ListType(Field valueField) => ValueField = valueField ?? throw new ArgumentNullException(nameof(valueField));

    public Field ValueField { get; }

    public override ArrowTypeId Id => ArrowTypeId.List;

    public override string ToString() => $"list<{ValueField.Name}: {ValueField.Type}>";
}

public sealed record StructType : ArrowType
{
    public StructType(IReadOnlyList<Field> fields) => Fields = new EquatableList<Field>(fields ?? throw new ArgumentNullException(nameof(fields)));

    public EquatableList<Field> Fields { get; }

    public override ArrowTypeId Id => ArrowTypeId.Struct;

    public override string ToString() => "struct<" + string.Join(", ", Fields.Select(f => $"{f.Name}: {f.Type}")) + ">";
}

internal static class TimeUnitExtensions
{
    public static string ToShortName(this TimeUnit unit) => unit switch
    {
        TimeUnit.Second => "s",
        TimeUnit.Millisecond => "ms",
        TimeUnit.Microsecond => "us",
        _ => "ns",
    };
}
