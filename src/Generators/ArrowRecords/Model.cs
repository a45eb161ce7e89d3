using Bulwark.Generators.Common;

namespace Bulwark.Generators.ArrowRecords;

/// <summary>How a value is stored; one Arrow type and one builder/array pair per kind.</summary>
internal enum ValueKind
{
    Boolean,
    Int8,
    Int16,
    Int32,
    Int64,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Float32,
    Float64,
    Float16,
    Decimal,
    String,
    Binary,
    DateTime,
    DateTimeOffset,
    DateOnly,
    TimeOnly,
    TimeSpan,
    Guid,
    Enum,
    Record,
}

/// <summary>The collection shape of a list or map column; it decides what the reader constructs.</summary>
internal enum CollectionKind
{
    None,
    Array,
    List,
    ReadOnlyList,
    IList,
    Dictionary,
    ReadOnlyDictionary,
    IDictionary,
}

internal static class CollectionKindExtensions
{
    public static bool IsList(this CollectionKind kind) => kind is CollectionKind.Array or CollectionKind.List or CollectionKind.ReadOnlyList or CollectionKind.IList;

    public static bool IsMap(this CollectionKind kind) => kind is CollectionKind.Dictionary or CollectionKind.ReadOnlyDictionary or CollectionKind.IDictionary;
}

/// <param name="TypeName">The fully qualified type without a nullable annotation, e.g. <c>global::System.Guid</c>.</param>
/// <param name="IsValueType">Whether <paramref name="TypeName"/> is a value type (so its nullable form is <c>Nullable&lt;T&gt;</c>).</param>
/// <param name="EnumMembers">For enums, the member names in declaration order: the dictionary the column stores.</param>
internal sealed record ValueModel(
    ValueKind Kind,
    bool IsNullable,
    string TypeName,
    bool IsValueType,
    int Precision,
    int Scale,
    EquatableArray<EnumMemberModel> EnumMembers)
{
    /// <summary>The type as declared, with <c>?</c> when nullable.</summary>
    public string DeclaredTypeName => IsNullable ? TypeName + "?" : TypeName;
}

/// <param name="IsAlias">True when an earlier member has the same value: writing maps the value to the earlier name.</param>
internal sealed record EnumMemberModel(string Name, bool IsAlias);

/// <param name="MemberName">The member's name as in metadata (no <c>@</c>).</param>
/// <param name="IsNullable">Whether the member itself may be null (for lists and maps: the collection, not its items).</param>
/// <param name="Value">The value, for lists the item, for maps the entries' value.</param>
/// <param name="Key">For maps, the entries' key (never nullable); otherwise null.</param>
internal sealed record ColumnModel(
    string MemberName,
    string ColumnName,
    bool IsNullable,
    CollectionKind Collection,
    ValueModel Value,
    ValueModel? Key = null);

/// <param name="HidesInheritedMembers">A base type is an Arrow record too, so the generated static members hide its own.</param>
/// <param name="ConstructorArguments">The constructor's arguments, passed by name.</param>
/// <param name="InitializedColumns">Indices of columns set by the object initializer.</param>
internal sealed record RecordModel(
    string? Namespace,
    EquatableArray<ContainingTypeModel> ContainingTypes,
    string Keyword,
    string Name,
    string FullyQualifiedName,
    string DisplayName,
    string HintName,
    string TableName,
    bool HidesInheritedMembers,
    EquatableArray<ColumnModel> Columns,
    EquatableArray<ConstructorArgument> ConstructorArguments,
    EquatableArray<int> InitializedColumns);

/// <param name="Column">Index of the column passed, or -1 to pass <c>default</c> (a parameter of an ignored member).</param>
internal sealed record ConstructorArgument(string Parameter, int Column);
