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
