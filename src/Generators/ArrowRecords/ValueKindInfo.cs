using System;
using Microsoft.CodeAnalysis;

namespace Bulwark.Generators.ArrowRecords;

/// <summary>
/// Everything that differs per <see cref="ValueKind"/>, one row per kind: which CLR type the parser maps to it, and the
/// snippets the emitter writes for its Arrow type, builder, append, placeholder, bound array and reader column. The
/// parser and every part of the emitter look a kind up here instead of switching on it.
/// </summary>
/// <remarks>
/// Snippets are C# text with named holes the emitter fills in (<see cref="Fill"/>): <c>{type}</c> the value's fully
/// qualified type, <c>{precision}</c>/<c>{scale}</c> a decimal's, <c>{name}</c> the column-name expression,
/// <c>{arrowType}</c> the kind's <see cref="ArrowType"/>, <c>{member}</c> the member name (for per-member statics),
/// <c>{field}</c> the field expression, <c>{array}</c> the bound array, <c>{path}</c> and <c>{location}</c> what adapters
/// name in errors.
/// </remarks>
internal sealed record ValueKindInfo
{
    private const string Apache = "global::Apache.Arrow.";
    private const string Types = "global::Apache.Arrow.Types.";
    private const string Records = "global::Bulwark.Records.";
    private const string Convert = "global::Bulwark.Arrow.ArrowConvert.";

    private const string FloatKey = " (floating-point keys do not compare reliably: NaN never equals itself)";
    private const string SubMicrosecondKey = " (Arrow stores microseconds, so keys that differ by less than a microsecond would collide)";

    private ValueKindInfo(ValueKind kind) => Kind = kind;

    public ValueKind Kind { get; }

    /// <summary>The CLR type the parser maps to this kind by <see cref="ITypeSymbol.SpecialType"/>, or None.</summary>
    public SpecialType SpecialType { get; private init; }

    /// <summary>The CLR type the parser maps to this kind by its name in namespace <c>System</c> (not a special type), or null.</summary>
    public string? SystemTypeName { get; private init; }

    /// <summary>The schema's Arrow type expression. Holes: <c>{precision}</c>, <c>{scale}</c>, <c>{type}</c>.</summary>
    public string ArrowType { get; private init; } = string.Empty;

    /// <summary>Arguments of <c>new Field(...)</c> after the nullable flag (extension metadata, dictionary encoding).</summary>
    public string FieldArguments { get; private init; } = string.Empty;

    /// <summary>The column builder's type. Hole: <c>{type}</c>.</summary>
    public string Builder { get; private init; } = string.Empty;

    /// <summary>The builder constructor's arguments. Holes: <c>{arrowType}</c>, <c>{name}</c>, <c>{member}</c>, <c>{field}</c>.</summary>
    public string BuilderArguments { get; private init; } = "{arrowType}, {name}";

    /// <summary>The <c>ArrowConvert</c> method that turns the value into what the builder stores, or null to append it as is.</summary>
    public string? Conversion { get; private init; }

    /// <summary>The call that appends a stand-in value for a non-nullable column of a null struct (after <c>builder.</c>).</summary>
    public string Placeholder { get; private init; } = string.Empty;

    /// <summary>The array type the reader binds the column to.</summary>
    public string BoundArray { get; private init; } = Apache + "IArrowArray";

    /// <summary>The reader's field type: the bound array, or the runtime adapter that reads it as the value. Hole: <c>{type}</c>.</summary>
    public string Column { get; private init; } = string.Empty;

    /// <summary>
    /// The arguments that wrap a bound array in <see cref="Column"/>, or null when the array is read directly.
    /// Holes: <c>{array}</c>, <c>{member}</c>, <c>{path}</c>, <c>{location}</c>.
    /// </summary>
    public string? WrapArguments { get; private init; }

    /// <summary>The reader column's accessor for one value.</summary>
    public string Getter { get; private init; } = "GetValue";

    /// <summary>The accessor returns a nullable reference, so a non-nullable value takes <c>!</c>.</summary>
    public bool GetterReturnsNullable { get; private init; }

    /// <summary>
    /// Appending can fail after earlier columns took the row: strings with unpaired surrogates, decimals that do not
    /// fit, oversized binary data and nested records. Fixed-width values and checked enums cannot.
    /// </summary>
    public bool AppendCanThrow { get; private init; }

    /// <summary>
    /// Why a value of this kind cannot be a map key (text appended to the diagnostic), or null when it can: keys must
    /// round-trip exactly and compare the way they are stored, or reading a map back could find two equal keys.
    /// </summary>
    public string? NotAMapKey { get; private init; }

    public static ValueKindInfo Of(ValueKind kind) => Table[(int)kind];

    /// <summary>The kind a special type (<c>int</c>, <c>string</c>, <c>decimal</c>...) or a <c>System</c> struct maps to.</summary>
    public static ValueKind? Find(ITypeSymbol type)
    {
        var systemName = Common.SymbolFacts.SystemTypeName(type);
        foreach (var info in Table)
        {
            if ((info.SpecialType != SpecialType.None && info.SpecialType == type.SpecialType)
                || (info.SystemTypeName is not null && info.SystemTypeName == systemName))
            {
                return info.Kind;
            }
        }

        return null;
    }

    /// <summary>Fills the named holes of a snippet; the pairs are (hole name without braces, text).</summary>
    public static string Fill(string snippet, params (string Hole, string Text)[] values)
    {
        foreach (var (hole, text) in values)
        {
            snippet = snippet.Replace("{" + hole + "}", text);
        }

        return snippet;
    }

    /// <summary>A fixed-width value stored as <paramref name="storage"/> in a <c>PrimitiveColumnBuilder</c>, read by a <c>PrimitiveColumn</c>.</summary>
    private static ValueKindInfo Primitive(ValueKind kind, string storage, string arrowType) => new(kind)
    {
        ArrowType = arrowType,
        Builder = $"{Records}PrimitiveColumnBuilder<{storage}>",
        Placeholder = $"Append(default({storage}))",
        Column = $"{Records}PrimitiveColumn<{storage}>",
        WrapArguments = "{array}, {location}",
    };

    /// <summary>A value the reader decodes through a runtime adapter that accepts several encodings.</summary>
    private static ValueKindInfo Adapted(ValueKindInfo info, string adapter) => new(info.Kind)
    {
        SpecialType = info.SpecialType,
        SystemTypeName = info.SystemTypeName,
        ArrowType = info.ArrowType,
        FieldArguments = info.FieldArguments,
        Builder = info.Builder,
        BuilderArguments = info.BuilderArguments,
        Conversion = info.Conversion,
        Placeholder = info.Placeholder,
        BoundArray = Apache + "IArrowArray",
        Column = Records + adapter,
        WrapArguments = "{array}, {location}",
        Getter = info.Getter,
        GetterReturnsNullable = info.GetterReturnsNullable,
        AppendCanThrow = info.AppendCanThrow,
        NotAMapKey = info.NotAMapKey,
    };

    /// <summary>Indexed by <see cref="ValueKind"/>; the static constructor checks the order.</summary>
    private static readonly ValueKindInfo[] Table =
    [
        new(ValueKind.Boolean)
        {
            SpecialType = SpecialType.System_Boolean,
            ArrowType = Types + "BooleanType.Default",
            Builder = Records + "BooleanColumnBuilder",
            BuilderArguments = "{name}",
            Placeholder = "Append(false)",
            Column = Records + "BooleanColumn",
            WrapArguments = "{array}, {location}",
        },
        Primitive(ValueKind.Int8, "sbyte", Types + "Int8Type.Default") with { SpecialType = SpecialType.System_SByte },
        Primitive(ValueKind.Int16, "short", Types + "Int16Type.Default") with { SpecialType = SpecialType.System_Int16 },
        Primitive(ValueKind.Int32, "int", Types + "Int32Type.Default") with { SpecialType = SpecialType.System_Int32 },
        Primitive(ValueKind.Int64, "long", Types + "Int64Type.Default") with { SpecialType = SpecialType.System_Int64 },
        Primitive(ValueKind.UInt8, "byte", Types + "UInt8Type.Default") with { SpecialType = SpecialType.System_Byte },
        Primitive(ValueKind.UInt16, "ushort", Types + "UInt16Type.Default") with { SpecialType = SpecialType.System_UInt16 },
        Primitive(ValueKind.UInt32, "uint", Types + "UInt32Type.Default") with { SpecialType = SpecialType.System_UInt32 },
        Primitive(ValueKind.UInt64, "ulong", Types + "UInt64Type.Default") with { SpecialType = SpecialType.System_UInt64 },
        Primitive(ValueKind.Float32, "float", Types + "FloatType.Default") with { SpecialType = SpecialType.System_Single, NotAMapKey = FloatKey },
        Primitive(ValueKind.Float64, "double", Types + "DoubleType.Default") with { SpecialType = SpecialType.System_Double, NotAMapKey = FloatKey },
        Primitive(ValueKind.Float16, "global::System.Half", Types + "HalfFloatType.Default") with { SystemTypeName = "Half", NotAMapKey = FloatKey },
        Adapted(
            new(ValueKind.Decimal)
            {
                SpecialType = SpecialType.System_Decimal,
                ArrowType = "new " + Types + "Decimal128Type({precision}, {scale})",
                Builder = Records + "Decimal128ColumnBuilder",
                Placeholder = "Append(0m)",
                AppendCanThrow = true,
                NotAMapKey = " ([Decimal] on the member sets the precision of its values, not of its keys)",
            },
            "DecimalColumn"),
        Adapted(
            new(ValueKind.String)
            {
                SpecialType = SpecialType.System_String,
                ArrowType = Types + "StringType.Default",
                Builder = Records + "Utf8ColumnBuilder",
                BuilderArguments = "{name}",
                Placeholder = "Append(string.Empty)",
                GetterReturnsNullable = true,
                AppendCanThrow = true,
            },
            "StringColumn"),
        Adapted(
            new(ValueKind.Binary)
            {
                ArrowType = Types + "BinaryType.Default",
                Builder = Records + "BinaryColumnBuilder",
                BuilderArguments = "{name}",
                Placeholder = "Append(global::System.ReadOnlySpan<byte>.Empty)",
                NotAMapKey = " (byte arrays compare by reference, so no key read back would find an entry)",
                GetterReturnsNullable = true,
                AppendCanThrow = true,
            },
            "BinaryColumn"),
        Adapted(
            Primitive(ValueKind.DateTime, "long", "new " + Types + "TimestampType(" + Types + "TimeUnit.Microsecond, \"UTC\")") with
            {
                SpecialType = SpecialType.System_DateTime,
                Conversion = Convert + "ToUnixMicroseconds",
                Getter = "GetDateTime",
                NotAMapKey = SubMicrosecondKey,
            },
            "TimestampColumn"),
        Adapted(
            Primitive(ValueKind.DateTimeOffset, "long", "new " + Types + "TimestampType(" + Types + "TimeUnit.Microsecond, \"UTC\")") with
            {
                SystemTypeName = "DateTimeOffset",
                Conversion = Convert + "ToUnixMicroseconds",
                Getter = "GetDateTimeOffset",
                NotAMapKey = SubMicrosecondKey,
            },
            "TimestampColumn"),
        Adapted(
            Primitive(ValueKind.DateOnly, "int", Types + "Date32Type.Default") with { SystemTypeName = "DateOnly", Conversion = Convert + "ToDays" },
            "DateColumn"),
        Adapted(
            Primitive(ValueKind.TimeOnly, "long", "new " + Types + "Time64Type(" + Types + "TimeUnit.Microsecond)") with { SystemTypeName = "TimeOnly", Conversion = Convert + "ToMicroseconds", NotAMapKey = SubMicrosecondKey },
            "TimeColumn"),
        Adapted(
            Primitive(ValueKind.TimeSpan, "long", Types + "DurationType.Microsecond") with { SystemTypeName = "TimeSpan", Conversion = Convert + "ToMicroseconds", NotAMapKey = SubMicrosecondKey },
            "DurationColumn"),
        new(ValueKind.Guid)
        {
            SystemTypeName = "Guid",
            ArrowType = "new " + Types + "FixedSizeBinaryType(16)",
            FieldArguments = ", new global::System.Collections.Generic.KeyValuePair<string, string>[] " +
                "{ new(global::Bulwark.Arrow.ArrowTypes.ExtensionNameKey, \"arrow.uuid\"), new(global::Bulwark.Arrow.ArrowTypes.ExtensionMetadataKey, \"\") }",
            Builder = Records + "FixedSizeBinaryColumnBuilder",
            Placeholder = "Append(global::System.Guid.Empty)",
            Column = Records + "UuidColumn",
            WrapArguments = "{array}, {location}",
        },
        new(ValueKind.Enum)
        {
            ArrowType = "new " + Types + "DictionaryType(" + Types + "Int32Type.Default, " + Types + "StringType.Default, false)",
            Builder = Records + "DictionaryColumnBuilder",
            BuilderArguments = "s_{member}Dictionary, {name}",
            Placeholder = "AppendIndex(0)",
            Column = Records + "EnumColumn<{type}>",
            WrapArguments = "{array}, s_{member}Names, s_{member}Members, {location}",
        },
        new(ValueKind.Record)
        {
            ArrowType = "new " + Types + "StructType(" + Records + "ArrowStruct.CreateFields<{type}>())",
            Builder = Records + "RecordStructColumnBuilder<{type}>",
            BuilderArguments = "(" + Types + "StructType){field}.DataType, {name}",
            Placeholder = "AppendPlaceholder()",
            BoundArray = Apache + "StructArray",
            Column = Records + "StructColumn<{type}>",
            WrapArguments = "{array}, {path}",
            AppendCanThrow = true,
            NotAMapKey = " (a map key must be a single value, not a record)",
        },
    ];

    static ValueKindInfo()
    {
        var kinds = (ValueKind[])Enum.GetValues(typeof(ValueKind));
        if (Table.Length != kinds.Length)
        {
            throw new InvalidOperationException("ValueKindInfo.Table needs one row per ValueKind.");
        }

        for (var i = 0; i < Table.Length; i++)
        {
            if ((int)Table[i].Kind != i)
            {
                throw new InvalidOperationException("ValueKindInfo.Table row " + i + " is " + Table[i].Kind + ".");
            }
        }
    }
}
