namespace Bulwark;

/// <summary>
/// Marks a partial record, class or struct as an Arrow record: the generator emits its Arrow schema,
/// a columnar batch builder and a reader (an implementation of <see cref="Records.IArrowRecord{T}"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class ArrowRecordAttribute : Attribute
{
    /// <param name="name">The table name; by default the snake_case form of the type name.</param>
    public ArrowRecordAttribute(string? name = null) => Name = name;

    public string? Name { get; }
}

/// <summary>Overrides the column name of a property or field (by default the member name as declared).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, Inherited = false)]
public sealed class ColumnAttribute : Attribute
{
    public ColumnAttribute(string name) => Name = name;

    public string Name { get; }
}

/// <summary>Maps a <see cref="decimal"/> member to Decimal128(precision, scale). Required on every decimal member.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, Inherited = false)]
public sealed class DecimalAttribute : Attribute
{
    public DecimalAttribute(int precision, int scale)
    {
        Precision = precision;
        Scale = scale;
    }

    public int Precision { get; }

    public int Scale { get; }
}

/// <summary>Excludes a member from the generated schema, builder and reader.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, Inherited = false)]
public sealed class IgnoreAttribute : Attribute
{
}

/// <summary>
/// Marks a partial class, struct or record as checkpointed operator state: the generator emits a versioned,
/// checksummed serializer and a validating restore (see <c>Bulwark.Serialization</c>). Members to persist carry <see cref="IdAttribute"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class CheckpointStateAttribute : Attribute
{
}

/// <summary>
/// The stable wire id of a checkpointed member. Ids are positive and unique within a type, an id never changes type,
/// and the id of a removed member stays reserved (the committed lock file enforces all three at compile time).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, Inherited = false)]
public sealed class IdAttribute : Attribute
{
    public IdAttribute(int id) => Id = id;

    public int Id { get; }
}

/// <summary>
/// A value of this type must be committed on every path; dropping or disposing it uncommitted loses the write. The
/// durability analyzers flag paths that do (BWK1002). Without arguments any method whose name starts with
/// <c>Commit</c> commits it (<c>CommitAsync</c>); otherwise only the methods named here do, for types whose
/// vocabulary is another (<c>[MustCommit("CompleteAsync")]</c> on the record writers).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface, Inherited = true)]
public sealed class MustCommitAttribute : Attribute
{
    public MustCommitAttribute(params string[] commitMethods) => CommitMethods = commitMethods;

    /// <summary>The names of the methods that commit a value of the type; empty means any <c>Commit*</c> method.</summary>
    public IReadOnlyList<string> CommitMethods { get; }
}

/// <summary>The result of this method decides correctness (compare-and-set, compare-and-append); ignoring it is BWK1006.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class MustCheckResultAttribute : Attribute
{
}

/// <summary>
/// This API reinterprets stored bytes without validating them; calling it on data read from storage is BWK1001.
/// The replacement names the validated API to use instead, if there is one.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor, Inherited = true)]
public sealed class UncheckedDeserializationAttribute : Attribute
{
    public UncheckedDeserializationAttribute(string? replacement = null) => Replacement = replacement;

    public string? Replacement { get; }
}

/// <summary>
/// This API renames or replaces a directory entry; the change is durable only after the directory is synced
/// (BWK1003 flags a call with no later directory sync).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class RequiresDirectorySyncAttribute : Attribute
{
}
