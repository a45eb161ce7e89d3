using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Records;

namespace Bulwark.Runtime.Tests.IngestBuffers;

/// <summary>
/// A hand-written <see cref="IArrowRecord{T}"/> whose builder keeps its own dictionary of tags, in the order it first
/// saw them: two builders give one tag different indices, so a cut joining their rows cannot copy the indices and must
/// encode the rows again. Like a builder that writes column by column, its <c>Append</c> writes the id before it
/// checks the tag; its <c>Build</c> refuses the columns a record left half appended.
/// </summary>
public sealed record Tagged(long Id, string Tag) : IArrowRecord<Tagged>
{
    public static string TableName => "tagged";

    public static Schema ArrowSchema { get; } = new(
    [
        new Field("Id", Int64Type.Default, false),
        new Field("Tag", new DictionaryType(Int32Type.Default, StringType.Default, false), false),
    ],
    null);

    public static IArrowBatchBuilder<Tagged> CreateBatchBuilder() => new Builder();

    public static Tagged[] ReadBatch(RecordBatch batch)
    {
        if (batch.Column(batch.Schema.GetFieldIndex("Id")) is not Int64Array ids)
        {
            throw new ArrowSchemaMismatchException("Tagged: column 'Id' is missing or has another type.");
        }

        var tags = batch.Column(batch.Schema.GetFieldIndex("Tag"));
        var rows = new Tagged[batch.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = new Tagged(ids.GetValue(i)!.Value, TagAt(tags, i));
        }

        return rows;
    }

    // A file reader may hand the column back dictionary-encoded or as plain strings.
    private static string TagAt(IArrowArray tags, int row) => tags switch
    {
        DictionaryArray { Indices: Int32Array indices, Dictionary: StringArray values } => values.GetString(indices.GetValue(row)!.Value),
        StringArray values => values.GetString(row),
        _ => throw new ArrowSchemaMismatchException("Tagged: column 'Tag' is missing or has another type."),
    };

    private sealed class Builder : IArrowBatchBuilder<Tagged>
    {
        private readonly List<long> _ids = [];
        private readonly List<int> _indices = [];
        private readonly List<string> _values = [];
        private readonly Dictionary<string, int> _lookup = new(StringComparer.Ordinal);

        public int Count => _indices.Count;

        public void Append(in Tagged record)
        {
            _ids.Add(record.Id);
            ArgumentException.ThrowIfNullOrEmpty(record.Tag);
            if (!_lookup.TryGetValue(record.Tag, out var index))
            {
                index = _values.Count;
                _lookup.Add(record.Tag, index);
                _values.Add(record.Tag);
            }

            _indices.Add(index);
        }

        public RecordBatch Build()
        {
            if (_ids.Count != _indices.Count)
            {
                throw new InvalidOperationException($"Tagged: {_ids.Count} ids but {_indices.Count} tags; a record was left half appended.");
            }

            var ids = new Int64Array.Builder().AppendRange(_ids).Build();
            var indices = new Int32Array.Builder().AppendRange(_indices).Build();
            var values = new StringArray.Builder().AppendRange(_values).Build();
            var batch = new RecordBatch(ArrowSchema, [ids, new DictionaryArray((DictionaryType)ArrowSchema.FieldsList[1].DataType, indices, values)], _ids.Count);
            Clear();
            return batch;
        }

        public void Clear()
        {
            _ids.Clear();
            _indices.Clear();
            _values.Clear();
            _lookup.Clear();
        }

        public void Dispose() => Clear();
    }
}
