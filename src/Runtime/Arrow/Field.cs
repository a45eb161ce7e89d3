namespace Bulwark.Arrow;

/// <summary>
/// Dictionary encoding of a field (Schema.fbs <c>DictionaryEncoding</c>): the field's <see cref="Field.Type"/> is the type
/// of the dictionary values; the column itself holds indices of <see cref="IndexType"/>.
/// </summary>
public sealed record DictionaryEncoding(long Id, IntType IndexType, bool IsOrdered = false);

/// <summary>A named, typed column or child of a nested type (Schema.fbs <c>Field</c>).</summary>
public sealed record Field
{
    /// <summary>The metadata key Arrow uses to name an extension type.</summary>
    public const string ExtensionNameKey = "ARROW:extension:name";

    /// <summary>The metadata key Arrow uses for an extension type's serialized parameters.</summary>
    public const string ExtensionMetadataKey = "ARROW:extension:metadata";

    public Field(string name, ArrowType type, bool nullable, IReadOnlyList<KeyValuePair<string, string>>? metadata = null, DictionaryEncoding? dictionary = null)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Type = type ?? throw new ArgumentNullException(nameof(type));
        IsNullable = nullable;
        Metadata = metadata is null || metadata.Count == 0 ? EquatableList<KeyValuePair<string, string>>.Empty : new EquatableList<KeyValuePair<string, string>>(metadata);
        Dictionary = dictionary;
    }

    public string Name { get; }

    public ArrowType Type { get; }

    public bool IsNullable { get; }

    public EquatableList<KeyValuePair<string, string>> Metadata { get; }

    public DictionaryEncoding? Dictionary { get; }

    /// <summary>The <c>ARROW:extension:name</c> metadata value, if the field carries an extension type.</summary>
    public string? ExtensionName
    {
        get
        {
            foreach (var pair in Metadata)
            {
                if (pair.Key == ExtensionNameKey)
                {
                    return pair.Value;
                }
            }

            return null;
        }
    }

    public override string ToString() =>
        $"{Name}: {(Dictionary is null ? string.Empty : $"dictionary<{Dictionary.IndexType}, ")}{Type}{(Dictionary is null ? string.Empty : ">")}{(IsNullable ? string.Empty : " not null")}";
}
