namespace Bulwark.Arrow;

/// <summary>An ordered set of top-level fields plus schema-level key/value metadata.</summary>
public sealed record Schema
{
    public Schema(IReadOnlyList<Field> fields, IReadOnlyList<KeyValuePair<string, string>>? metadata = null)
    {
        Fields = new EquatableList<Field>(fields ?? throw new ArgumentNullException(nameof(fields)));
        Metadata = metadata is null || metadata.Count == 0 ? EquatableList<KeyValuePair<string, string>>.Empty : new EquatableList<KeyValuePair<string, string>>(metadata);
    }

    public EquatableList<Field> Fields { get; }

    public EquatableList<KeyValuePair<string, string>> Metadata { get; }

    /// <summary>The index of the first top-level field with this name (ordinal comparison), or -1.</summary>
    public int IndexOf(string name)
    {
        for (var i = 0; i < Fields.Count; i++)
        {
            if (string.Equals(Fields[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    public override string ToString() => "schema<" + string.Join(", ", Fields) + ">";
}
