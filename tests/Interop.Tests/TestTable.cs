using System.Text.Json.Nodes;
using Apache.Arrow;
using Bulwark.Records;

namespace Bulwark.Interop.Tests;

/// <summary>One column of a test table: its field, how row r's value is appended, and the JSON a reader must print for it.</summary>
internal interface IColumnSpec
{
    Field Field { get; }

    ColumnBuilder CreateBuilder();

    void Append(ColumnBuilder builder, int row);

    JsonNode? Expected(int row);

    bool IsNull(int row);

    /// <summary>For a dictionary-encoded column, the dictionary a reader must report with every batch.</summary>
    JsonArray? ExpectedDictionary { get; }
}

internal sealed class ColumnSpec<TBuilder, TValue> : IColumnSpec
    where TBuilder : ColumnBuilder
{
    private readonly Func<int, TValue> _value;
    private readonly Func<TBuilder> _create;
    private readonly Action<TBuilder, TValue> _append;
    private readonly Func<TValue, JsonNode?> _encode;
    private readonly string[]? _dictionary;

    public ColumnSpec(Field field, Func<int, TValue> value, Func<TBuilder> create, Action<TBuilder, TValue> append, Func<TValue, JsonNode?> encode, string[]? dictionary = null)
    {
        Field = field;
        _value = value;
        _create = create;
        _append = append;
        _encode = encode;
        _dictionary = dictionary;
    }

    /// <summary>A column whose row r holds <c>cycle[r % cycle.Length]</c>.</summary>
    public ColumnSpec(Field field, TValue[] cycle, Func<TBuilder> create, Action<TBuilder, TValue> append, Func<TValue, JsonNode?> encode, string[]? dictionary = null)
        : this(field, row => cycle[row % cycle.Length], create, append, encode, dictionary)
    {
    }

    public Field Field { get; }

    public JsonArray? ExpectedDictionary => _dictionary is null ? null : new JsonArray(_dictionary.Select(d => (JsonNode?)d).ToArray());

    public ColumnBuilder CreateBuilder() => _create();

    public void Append(ColumnBuilder builder, int row)
    {
        var value = _value(row);
        if (value is null)
        {
            builder.AppendNull();
        }
        else
        {
            _append((TBuilder)builder, value);
        }
    }

    public bool IsNull(int row) => _value(row) is null;

    public JsonNode? Expected(int row)
    {
        var value = _value(row);
        return value is null ? null : _encode(value);
    }
}

/// <summary>A schema plus per-row column generators: builds Bulwark record batches and the JSON any reader must report for them.</summary>
internal sealed class TestTable
{
    public TestTable(IReadOnlyList<IColumnSpec> columns, IReadOnlyList<KeyValuePair<string, string>>? metadata = null)
    {
        Columns = columns;
        Schema = new Schema(columns.Select(c => c.Field).ToArray(), metadata);
    }

    public IReadOnlyList<IColumnSpec> Columns { get; }

    public Schema Schema { get; }

    /// <summary>
    /// Batches of the given sizes, rows numbered continuously across them; one builder per column serves every batch.
    /// Each batch owns pooled memory until it is disposed.
    /// </summary>
    public List<RecordBatch> BuildBatches(IReadOnlyList<int> sizes)
    {
        var builders = Columns.Select(c => c.CreateBuilder()).ToArray();
        var batches = new List<RecordBatch>();
        var row = 0;
        foreach (var size in sizes)
        {
            for (var r = row; r < row + size; r++)
            {
                for (var c = 0; c < Columns.Count; c++)
                {
                    Columns[c].Append(builders[c], r);
                }
            }

            batches.Add(ColumnBuilder.BuildBatch(Schema, builders, size));
            row += size;
        }

        foreach (var builder in builders)
        {
            builder.Dispose();
        }

        return batches;
    }

    /// <summary>The "batches" part of describe.mjs's output for batches of <paramref name="sizes"/>.</summary>
    public JsonArray ExpectedBatches(IReadOnlyList<int> sizes)
    {
        var batches = new JsonArray();
        var row = 0;
        foreach (var size in sizes)
        {
            var columns = new JsonArray();
            foreach (var column in Columns)
            {
                var values = new JsonArray();
                var nulls = 0;
                for (var r = row; r < row + size; r++)
                {
                    values.Add(column.Expected(r));
                    nulls += column.IsNull(r) ? 1 : 0;
                }

                var entry = new JsonObject
                {
                    ["name"] = column.Field.Name,
                    ["length"] = size,
                    ["nullCount"] = nulls,
                    ["values"] = values,
                };
                if (column.ExpectedDictionary is { } dictionary)
                {
                    entry["dictionary"] = dictionary;
                }

                columns.Add(entry);
            }

            batches.Add(new JsonObject { ["numRows"] = size, ["columns"] = columns });
            row += size;
        }

        return batches;
    }

    /// <summary>Every row's values in order, batches concatenated, per column name: for readers that regroup rows.</summary>
    public JsonObject ExpectedColumns(int rowCount)
    {
        var result = new JsonObject();
        foreach (var column in Columns)
        {
            var values = new JsonArray();
            for (var r = 0; r < rowCount; r++)
            {
                values.Add(column.Expected(r));
            }

            result[column.Field.Name] = values;
        }

        return result;
    }

    /// <summary>Concatenates the "values" of each column over the batches of a describe.mjs table description.</summary>
    public static JsonObject FlattenColumns(JsonNode table)
    {
        var result = new JsonObject();
        foreach (var batch in table["batches"]!.AsArray())
        {
            foreach (var column in batch!["columns"]!.AsArray())
            {
                var name = column!["name"]!.GetValue<string>();
                if (result[name] is not JsonArray values)
                {
                    values = new JsonArray();
                    result[name] = values;
                }

                foreach (var value in column["values"]!.AsArray())
                {
                    values.Add(value?.DeepClone());
                }
            }
        }

        return result;
    }
}
