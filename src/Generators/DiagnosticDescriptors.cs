using Microsoft.CodeAnalysis;

namespace Bulwark.Generators;

/// <summary>
/// Every diagnostic the generators report. Ids are part of the public surface (users suppress them and the README
/// documents them): never renumber or reuse one. Each help link is the page docs/diagnostics/{Id}.md of the repository.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Bulwark.Generator";

    /// <summary>
    /// The repository, as Directory.Build.props' RepositoryUrl (a generator cannot read MSBuild properties at run time;
    /// a test keeps the two equal).
    /// </summary>
    internal const string RepositoryUrl = "https://github.com/bulwark-data/bulwark";

    internal const string HelpRoot = RepositoryUrl + "/blob/main/docs/diagnostics/";

    public static readonly DiagnosticDescriptor TypeNotPartial = Error(
        "BWK0001",
        "Arrow record type must be partial",
        "'{0}' is marked [ArrowRecord] but is not partial; declare it 'partial' so the generator can add its Arrow schema, builder and reader");

    public static readonly DiagnosticDescriptor UnsupportedMemberType = Error(
        "BWK0002",
        "Member type has no Arrow mapping",
        "Member '{0}' of '{1}' has type '{2}', which cannot be stored in an Arrow column{3}; change its type or mark it [Ignore]");

    public static readonly DiagnosticDescriptor DuplicateColumnName = Error(
        "BWK0003",
        "Duplicate column name",
        "Member '{0}' of '{1}' maps to column '{2}', which member '{3}' already uses; give one of them another [Column] name");

    public static readonly DiagnosticDescriptor NestedTypeNotArrowRecord = Error(
        "BWK0004",
        "Nested type is not an Arrow record",
        "Member '{0}' of '{1}' has type '{2}', which is not marked [ArrowRecord]; mark '{2}' [ArrowRecord] to store it as a struct column, or mark the member [Ignore]");

    public static readonly DiagnosticDescriptor DecimalWithoutPrecision = Error(
        "BWK0005",
        "Decimal member needs [Decimal(precision, scale)]",
        "Member '{0}' of '{1}' is a decimal without [Decimal(precision, scale)]; a Decimal128 column fixes both up front");

    public static readonly DiagnosticDescriptor InvalidDecimalPrecision = Error(
        "BWK0006",
        "Invalid decimal precision or scale",
        "[Decimal({0}, {1})] on member '{2}' of '{3}' is invalid: the precision must be between 1 and 28 (System.Decimal holds at most 28 significant digits) and the scale between 0 and the precision");

    public static readonly DiagnosticDescriptor DecimalOnNonDecimal = Error(
        "BWK0007",
        "[Decimal] on a member that is not decimal",
        "[Decimal] on member '{0}' of '{1}' does not apply: its type '{2}' is not decimal");

    public static readonly DiagnosticDescriptor InvalidColumnName = Error(
        "BWK0008",
        "Invalid column name",
        "Column name \"{0}\" of member '{1}' of '{2}' is invalid: a column name must not be empty, start or end with white space, or contain control characters");

    public static readonly DiagnosticDescriptor InvalidTableName = Error(
        "BWK0009",
        "Invalid table name",
        "Table name \"{0}\" of '{1}' is invalid: a table name must not be empty, start or end with white space, or contain control characters, '/' or '\\'");

    public static readonly DiagnosticDescriptor FlagsEnum = Error(
        "BWK0010",
        "[Flags] enums are not supported",
        "Member '{0}' of '{1}' has the [Flags] enum type '{2}'; a combination of flags has no single member name to store, so store the underlying integer instead");

    public static readonly DiagnosticDescriptor NoUsableConstructor = Error(
        "BWK0011",
        "No constructor can restore the record",
        "'{0}' cannot be constructed when reading: {1}");

    public static readonly DiagnosticDescriptor MemberNotRestorable = Error(
        "BWK0012",
        "Member cannot be restored when reading",
        "Member '{0}' of '{1}' {2}; mark it [Ignore] if it is computed, or make it settable or a constructor parameter");

    public static readonly DiagnosticDescriptor UnsupportedTypeKind = Error(
        "BWK0013",
        "Generic, ref struct and file-local Arrow record types are not supported",
        "'{0}' is {1}; an Arrow record must be a non-generic class or struct that generated code in another file can extend and use as a type argument");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error(
        "BWK0014",
        "Containing type must be partial",
        "'{0}' is nested in '{1}', which is not partial; declare '{1}' partial so the generator can extend '{0}'");

    public static readonly DiagnosticDescriptor RecursiveRecord = Error(
        "BWK0015",
        "Recursive nested record",
        "Member '{0}' of '{1}' makes '{1}' contain itself ({2}); an Arrow schema is finite, so break the cycle or mark the member [Ignore]");

    public static readonly DiagnosticDescriptor NoColumns = new(
        "BWK0016",
        "Arrow record has no columns",
        "'{0}' has no public instance properties or fields to store; its batches hold a row count and nothing else",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        helpLinkUri: HelpLink("BWK0016"));

    public static readonly DiagnosticDescriptor GeneratedMemberConflict = Error(
        "BWK0017",
        "Member name is reserved for generated code",
        "'{0}' has a member named '{1}' (in '{2}'), which the generator adds to implement IArrowRecord; rename the member");

    public static readonly DiagnosticDescriptor UnsupportedMapKey = Error(
        "BWK0018",
        "Dictionary key type cannot be a map key",
        "Member '{0}' of '{1}' has type '{2}', whose key type '{3}' cannot be an Arrow map key{4}; use string, an integer, bool, Guid, DateOnly or an enum as the key, or mark the member [Ignore]");

    // Checkpoint state ([CheckpointState] / [Id]) diagnostics: BWK0101 upward.
    public static readonly DiagnosticDescriptor StateTypeNotPartial = Error(
        "BWK0101",
        "Checkpoint state type must be partial",
        "'{0}' is marked [CheckpointState] but is not partial; declare it 'partial' so the generator can add its serializer");

    public static readonly DiagnosticDescriptor StateMemberTypeUnsupported = Error(
        "BWK0102",
        "Checkpoint member type is not supported",
        "Member '{0}' of '{1}' has type '{2}', which cannot be checkpointed{3}; use a primitive, string, byte[], Guid, a date/time type, an enum, an array, List, HashSet or Dictionary of those, or a [CheckpointState] type");

    public static readonly DiagnosticDescriptor DuplicateStateId = Error(
        "BWK0103",
        "Duplicate checkpoint id",
        "Member '{0}' of '{1}' has [Id({2})], which member '{3}' already uses; every member needs its own id");

    public static readonly DiagnosticDescriptor InvalidStateId = Error(
        "BWK0104",
        "Checkpoint id must be positive",
        "Member '{0}' of '{1}' has [Id({2})]; ids must be 1 or greater");

    public static readonly DiagnosticDescriptor StateMemberNotRestorable = Error(
        "BWK0105",
        "Checkpoint member cannot be restored",
        "Member '{0}' of '{1}' {2}, so a restore could not set it; make it settable (a private setter is enough) or a constructor parameter");

    public static readonly DiagnosticDescriptor NestedTypeNotCheckpointState = Error(
        "BWK0106",
        "Nested type is not a checkpoint state",
        "Member '{0}' of '{1}' has type '{2}', which is not marked [CheckpointState]; mark '{2}' [CheckpointState] and give its members [Id]s");

    public static readonly DiagnosticDescriptor StateNotConstructible = Error(
        "BWK0107",
        "No constructor can restore the checkpoint state",
        "'{0}' cannot be constructed by a restore: {1}");

    public static readonly DiagnosticDescriptor StateTypeKindUnsupported = Error(
        "BWK0108",
        "Checkpoint state type shape is not supported",
        "'{0}' is {1}; a checkpoint state must be a non-generic class or struct that generated code in another file can extend");

    public static readonly DiagnosticDescriptor LockedIdTypeChanged = Error(
        "BWK0109",
        "Checkpoint id changed type",
        "Member '{0}' of '{1}' has [Id({2})] of type '{3}', but bulwark.lock.json records id {2} as '{4}' ('{5}'); checkpoints already written hold the old type, so give the member a new id and leave {2} unused");

    public static readonly DiagnosticDescriptor ReservedIdReused = Error(
        "BWK0110",
        "Checkpoint id of a removed member reused",
        "Member '{0}' of '{1}' has [Id({2})], which bulwark.lock.json reserves for a removed member; checkpoints already written may hold the old value under that id, so pick an unused id");

    public static readonly DiagnosticDescriptor LockedIdRemoved = Error(
        "BWK0111",
        "Removed checkpoint id is not reserved",
        "'{0}' no longer has a member with [Id({1})] ('{2}': '{3}' in bulwark.lock.json); removing it is fine, but its id must stay reserved: run 'dotnet build -p:BulwarkUpdateLockFile=true' to move it to the reserved list and commit bulwark.lock.json");

    public static readonly DiagnosticDescriptor LockFileInvalid = Error(
        "BWK0112",
        "bulwark.lock.json cannot be read",
        "bulwark.lock.json is invalid: {0}; fix it, or delete it and run 'dotnet build -p:BulwarkUpdateLockFile=true' to write it anew");

    public static readonly DiagnosticDescriptor LockFileMissing = new(
        "BWK0113",
        "Checkpoint state is not checked against a lock file",
        "'{0}' is not checked against bulwark.lock.json: the file does not exist and this build does not create it (ContinuousIntegrationBuild=true or BulwarkCreateLockFile=false), so an incompatible edit of its ids would only surface when a checkpoint is restored; run 'dotnet build -p:BulwarkUpdateLockFile=true' and commit bulwark.lock.json",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        helpLinkUri: HelpLink("BWK0113"));

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(id));

    private static string HelpLink(string id) => HelpRoot + id + ".md";
}
