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
    private Schema? _schema;

    public IpcReaderCore(IpcContext context, ArrowReadOptions options)
    {
        Context = context;
        Options = options;
    }

    public IpcContext Context { get; }

    public ArrowReadOptions Options { get; }

    public Schema Schema => _schema ?? throw new InvalidOperationException("The schema has not been read yet.");

    public void SetSchema(Schema schema, long offset)
    {
        foreach (var field in schema.Fields)
        {
            CollectDictionaryFields(field, field.Name, offset);
        }

        _schema = schema;
    }

    public RecordBatch DecodeRecordBatch(RawMessage message, string what)
    {
        if (message.Message.Type != MessageHeaderType.RecordBatch)
        {
            throw Context.Error(what, message.Offset, $"expected a RecordBatch message, found {message.Message.Type}");
        }

        var schema = Schema;
        var header = IpcMetadata.ReadRecordBatchHeader(message.Message.Header, what);
        var decoder = new BodyDecoder(Context, what, message.BodyOffset, message.Body, header, _dictionaries, Options);
        var columns = new ArrowArray[schema.Fields.Count];
        for (var i = 0; i < columns.Length; i++)
        {
            var field = schema.Fields[i];
            var data = decoder.ReadField(field, field.Name);
            Validate(WithoutDictionaryValues(data), field.Name, what, message.BodyOffset);
            columns[i] = ArrowArray.CreateUnchecked(data);
        }

        decoder.ExpectFullyConsumed();
        try
        {
            return new RecordBatch(schema, columns, (int)header.Length);
        }
        catch (ArrowFormatException ex)
        {
            throw Context.Error(what, message.Offset, ex.Message, ex);
        }
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
        var decoder = new BodyDecoder(Context, what, message.BodyOffset, message.Body, header, _dictionaries, Options);
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

        _dictionaries[id] = values;
    }

    /// <summary>
    /// The same tree with every dictionary replaced by a null array of the same length. Dictionaries were validated
    /// when their dictionary batch arrived; validating them again for every record batch would let a large dictionary
    /// and many small batches cost time quadratic in the input. Indices are still checked against the length.
    /// </summary>
    private static ArrayData WithoutDictionaryValues(ArrayData data)
    {
        if (!HasDictionary(data))
        {
            return data;
        }

        var children = new ArrayData[data.Children.Length];
        for (var i = 0; i < children.Length; i++)
        {
            children[i] = WithoutDictionaryValues(data.Children[i]);
        }

        var dictionary = data.Dictionary is { } values ? new ArrayData(NullType.Default, values.Length, values.Length, []) : null;
        return new ArrayData(data.Type, data.Length, data.NullCount, data.Buffers, children, dictionary);
    }

    private static bool HasDictionary(ArrayData data)
    {
        if (data.Dictionary is not null)
        {
            return true;
        }

        foreach (var child in data.Children)
        {
            if (HasDictionary(child))
            {
                return true;
            }
        }

        return false;
    }

    private ArrowArray Validate(ArrayData data, string path, string what, long offset)
    {
        try
        {
            return ArrowArray.Create(data, path);
        }
        catch (ArrowFormatException ex)
        {
            throw Context.Error($"{what} field '{path}'", offset, ex.Message, ex);
        }
    }

    private void CollectDictionaryFields(Field field, string path, long offset)
    {
        if (field.Dictionary is { } encoding)
        {
            var valueField = new Field(field.Name, field.Type, nullable: true);
            if (_dictionaryFields.TryGetValue(encoding.Id, out var existing))
            {
                if (existing.Type != valueField.Type)
                {
                    throw Context.Error($"schema field '{path}'", offset, $"dictionary id {encoding.Id} is used for both {existing.Type} and {field.Type}");
                }
            }
            else
            {
                _dictionaryFields.Add(encoding.Id, valueField);
            }
        }

        switch (field.Type)
        {
            case ListType list:
                CollectDictionaryFields(list.ValueField, path + "." + list.ValueField.Name, offset);
                break;
            case StructType st:
                foreach (var child in st.Fields)
                {
                    CollectDictionaryFields(child, path + "." + child.Name, offset);
                }

                break;
        }
    }
}
