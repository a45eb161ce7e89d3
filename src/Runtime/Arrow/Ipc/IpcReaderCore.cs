using Apache.Arrow;
using Apache.Arrow.Types;

namespace Bulwark.Arrow.Ipc;

/// <summary>
/// What the file and stream readers share: the schema's dictionary ids, the dictionaries read so far, and turning
/// RecordBatch / DictionaryBatch messages into validated arrays. Every failure is an <see cref="ArrowFormatException"/>
/// that names the message, the field and the byte offset.
/// </summary>
internal sealed class IpcReaderCore
{
    private readonly Dictionary<long, Field> _dictionaryFields = new();
    private readonly Dictionary<long, ArrayData> _dictionaries = new();

    // Dictionaries are validated once, when their batch arrives; validating them again for every record batch would let
    // a large dictionary and many small batches cost time quadratic in the input. Indices are still checked per batch.
    private readonly HashSet<ArrayData> _validatedDictionaries = new(ReferenceEqualityComparer.Instance);
    private IReadOnlyDictionary<Field, long> _dictionaryIds = new Dictionary<Field, long>();
    private Schema? _schema;

    public IpcReaderCore(IpcContext context, ArrowReadOptions options)
    {
        Context = context;
        Options = options;
    }

    public IpcContext Context { get; }

    public ArrowReadOptions Options { get; }

    public Schema Schema => _schema ?? throw new InvalidOperationException("The schema has not been read yet.");

    public void SetSchema(IpcSchema schema, long offset)
    {
        _dictionaryIds = schema.DictionaryIds;
        foreach (var field in schema.Schema.FieldsList)
        {
            CollectDictionaryFields(field, field.Name, offset);
        }

        _schema = schema.Schema;
    }

    public RecordBatch DecodeRecordBatch(RawMessage message, string what)
    {
        if (message.Message.Type != MessageHeaderType.RecordBatch)
        {
            throw Context.Error(what, message.Offset, $"expected a RecordBatch message, found {message.Message.Type}");
        }

        // The batch owns the rented body from here on; should the body prove invalid, it goes straight back.
        var lease = new BufferLease();
        if (message.RentedBody is { } rented)
        {
            lease.Add(rented);
        }

        try
        {
            var (columns, length) = DecodeColumns(message, what);
            return new PooledRecordBatch(Schema, columns, length, lease);
        }
        catch
        {
            lease.Return();
            throw;
        }
    }

    private (IArrowArray[] Columns, int Length) DecodeColumns(RawMessage message, string what)
    {
        var schema = Schema;
        var header = IpcMetadata.ReadRecordBatchHeader(message.Message.Header, what);
        var decoder = new BodyDecoder(Context, what, message.BodyOffset, message.Body, header, _dictionaries, _dictionaryIds, Options, message.Message.Version);
        var columns = new IArrowArray[schema.FieldsList.Count];
        for (var i = 0; i < columns.Length; i++)
        {
            var field = schema.FieldsList[i];
            var data = decoder.ReadField(field, field.Name);
            try
            {
                columns[i] = ArrayValidator.CreateArray(data, field.Name, _validatedDictionaries);
            }
            catch (ArrowFormatException ex)
            {
                throw Context.Error($"{what} field '{field.Name}'", message.BodyOffset, ex.Message, ex);
            }
        }

        decoder.ExpectFullyConsumed();
        var length = (int)header.Length;
        try
        {
            FieldMatcher.CheckBatch(schema, columns, length);
        }
        catch (ArrowFormatException ex)
        {
            throw Context.Error(what, message.Offset, ex.Message, ex);
        }

        return (columns, length);
    }

    /// <summary>Stores a dictionary; a second dictionary for an id replaces the first only where the format allows it.</summary>
    public void ApplyDictionary(RawMessage message, string what, bool allowReplacement)
    {
        if (message.Message.Type != MessageHeaderType.DictionaryBatch)
        {
            throw Context.Error(what, message.Offset, $"expected a DictionaryBatch message, found {message.Message.Type}");
        }

        var (id, data, isDelta) = IpcMetadata.ReadDictionaryBatch(message.Message.Header);
        what = $"{what} (dictionary id {id})";
        if (!_dictionaryFields.TryGetValue(id, out var field))
        {
            throw Context.Error(what, message.Offset, $"no field of the schema uses dictionary id {id}");
        }

        _dictionaries.TryGetValue(id, out var existing);
        if (isDelta && existing is null)
        {
            throw Context.Error(what, message.Offset, $"a delta dictionary batch for id {id} arrived before any dictionary for it");
        }

        if (!isDelta && !allowReplacement && existing is not null)
        {
            throw Context.Error(what, message.Offset, $"a second dictionary for id {id}; the IPC file format allows deltas but not replacements");
        }

        var header = IpcMetadata.ReadRecordBatchHeader(data, what);
        var decoder = new BodyDecoder(Context, what, message.BodyOffset, message.Body, header, _dictionaries, _dictionaryIds, Options, message.Message.Version);
        var values = decoder.ReadField(field, field.Name);
        decoder.ExpectFullyConsumed();
        Validate(values, field.Name, what, message.BodyOffset);
        if (isDelta)
        {
            try
            {
                values = DictionaryDelta.Append(field, existing!, values, field.Name);
            }
            catch (ArrowFormatException ex)
            {
                throw Context.Error(what, message.Offset, ex.Message, ex);
            }

            Validate(values, field.Name, what, message.BodyOffset);
        }

        if (existing is not null)
        {
            _validatedDictionaries.Remove(existing);
        }

        _dictionaries[id] = values;
        _validatedDictionaries.Add(values);
    }

    private void Validate(ArrayData data, string path, string what, long offset)
    {
        try
        {
            ArrayValidator.Validate(data, path, _validatedDictionaries);
        }
        catch (ArrowFormatException ex)
        {
            throw Context.Error($"{what} field '{path}'", offset, ex.Message, ex);
        }
    }

    /// <summary>
    /// Maps each dictionary id to a field of its value type, the shape its dictionary batches have. Several fields may
    /// share an id (the format allows it) as long as their value types agree.
    /// </summary>
    private void CollectDictionaryFields(Field field, string path, long offset)
    {
        var type = field.DataType;
        if (type is DictionaryType encoding)
        {
            var id = _dictionaryIds[field];
            if (_dictionaryFields.TryGetValue(id, out var existing))
            {
                if (!ArrowTypes.Equal(existing.DataType, encoding.ValueType))
                {
                    throw Context.Error($"schema field '{path}'", offset, $"dictionary id {id} is used for both {ArrowTypes.Describe(existing.DataType)} and {ArrowTypes.Describe(encoding.ValueType)}");
                }
            }
            else
            {
                _dictionaryFields.Add(id, new Field(field.Name, encoding.ValueType, nullable: true));
            }

            type = encoding.ValueType;
        }

        if (type is NestedType nested)
        {
            foreach (var child in nested.Fields)
            {
                CollectDictionaryFields(child, path + "." + child.Name, offset);
            }
        }
    }
}
