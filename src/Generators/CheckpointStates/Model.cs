using Bulwark.Generators.Common;

namespace Bulwark.Generators.CheckpointStates;

/// <summary>The encodings a checkpointed value can have; each maps to one reader/writer method pair.</summary>
internal enum StateValueKind
{
    Boolean,
    SByte,
    Int16,
    Int32,
    Int64,
    Byte,
    UInt16,
    UInt32,
    UInt64,
    Char,
    Single,
    Double,
    Decimal,
    String,
    Bytes,
    Guid,
    DateTime,
    DateTimeOffset,
    TimeSpan,
    DateOnly,
    TimeOnly,
    Enum,
    State,
    Array,
    List,
    HashSet,
    Dictionary,
}

/// <param name="TypeName">Fully qualified, without a nullable annotation (for enums the enum type).</param>
/// <param name="IsNullable">Whether the value may be null (<c>Nullable&lt;T&gt;</c> or a nullable reference).</param>
/// <param name="IsValueType">Whether <paramref name="TypeName"/> is a value type, so its nullable form is <c>Nullable&lt;T&gt;</c>.</param>
/// <param name="Underlying">For enums, the encoding of the underlying integer type.</param>
/// <param name="Arguments">Element type of arrays, lists and sets; key and value types of dictionaries.</param>
/// <param name="Canonical">The lock-file spelling, e.g. <c>dictionary&lt;string,int64&gt;</c>; stable across compilers and platforms.</param>
internal sealed record StateValueModel(
    StateValueKind Kind,
    bool IsNullable,
    string TypeName,
    bool IsValueType,
    StateValueKind Underlying,
    EquatableArray<StateValueModel> Arguments,
    string Canonical)
{
    /// <summary>The type as declared, with <c>?</c> when nullable.</summary>
    public string DeclaredTypeName => IsNullable ? TypeName + "?" : TypeName;
}

/// <summary>How the restore sets a member.</summary>
internal enum AssignKind
{
    /// <summary>An assignment after construction (a settable field or property).</summary>
    Assign,

    /// <summary>An <c>init</c> accessor: set in the object initializer.</summary>
    Init,

    /// <summary>A constructor argument.</summary>
    Constructor,
}

/// <param name="Name">The member's name as in metadata (no <c>@</c>).</param>
/// <param name="Parameter">The constructor parameter it is passed as, for <see cref="AssignKind.Constructor"/>.</param>
internal sealed record StateMemberModel(int Id, string Name, StateValueModel Value, AssignKind Assign, string? Parameter)
{
    /// <summary>The member's C# type as declared (<c>long</c>, <c>string?</c>), named by restore errors.</summary>
    public string TypeDisplay { get; init; } = string.Empty;
}

/// <summary>Everything the emitter needs for one state type; strings and numbers only, so that it caches.</summary>
/// <param name="StateTypeName">The full type name written to checkpoint headers, e.g. <c>Sample.HostCounter</c>.</param>
/// <param name="Fingerprint">The hash of the (id, name, type) table.</param>
/// <param name="UsesConstructor">Restore calls a constructor with arguments (a positional record) rather than the parameterless one.</param>
/// <param name="ConstructorArguments">The parameters in order, each with the index of the member passed, or -1 to leave it to its declared default.</param>
/// <param name="HasRequiredMembers">The type has <c>required</c> members, so a bare <c>new T()</c> (a template for init defaults) would not compile.</param>
internal sealed record StateModel(
    string? Namespace,
    EquatableArray<ContainingTypeModel> ContainingTypes,
    string Keyword,
    string Name,
    string FullyQualifiedName,
    string StateTypeName,
    string HintName,
    ulong Fingerprint,
    bool IsValueType,
    EquatableArray<StateMemberModel> Members,
    bool UsesConstructor,
    EquatableArray<ConstructorArgumentModel> ConstructorArguments,
    bool HasRequiredMembers);

internal sealed record ConstructorArgumentModel(string Parameter, int Member);

/// <summary>
/// What the lock-file check needs about one state type. Kept apart from <see cref="StateModel"/> because it holds
/// source locations: a comment that shifts them must not re-run the emitter.
/// </summary>
internal sealed record StateCheckModel(
    string StateTypeName,
    string DisplayName,
    LocationInfo? TypeLocation,
    EquatableArray<LockFieldModel> Fields);

/// <summary>One (id, name, type) row, with where the member is declared (null for rows read from the lock file).</summary>
internal sealed record LockFieldModel(int Id, string Name, string Type, LocationInfo? Location);

/// <summary>
/// The parse of one state type: the emitter's model with the type's own diagnostics (the shape every generator here
/// has), plus the lock-file checker's input, which the lock file is combined with.
/// </summary>
internal sealed record StateParseResult(ParseResult<StateModel> Result, StateCheckModel Check);
