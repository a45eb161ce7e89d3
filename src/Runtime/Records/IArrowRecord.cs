using Apache.Arrow;

namespace Bulwark.Records;

/// <summary>
/// Implemented by the generator for every <c>[ArrowRecord]</c> type. Static abstract members let generic runtime code
/// (<c>ArrowFile</c>, <c>ParquetFile</c>, ingest tables) build and read batches of <typeparamref name="T"/> without reflection.
/// </summary>
public interface IArrowRecord<T>
    where T : IArrowRecord<T>
{
    /// <summary>The table name: the <c>[ArrowRecord(name)]</c> argument, or the snake_case type name.</summary>
    static abstract string TableName { get; }

    /// <summary>The Apache.Arrow schema: one field per column, in declaration order.</summary>
    static abstract Schema ArrowSchema { get; }

    /// <summary>A new columnar builder. Builders are reusable: <see cref="IArrowBatchBuilder{T}.Build"/> leaves them empty.</summary>
    static abstract IArrowBatchBuilder<T> CreateBatchBuilder();

    /// <summary>
    /// Reads every row of <paramref name="batch"/>. Columns are matched by name (order and extra columns do not matter)
    /// and may use any encoding <see cref="ArrowRecordColumns.IsReadableAs"/> accepts for the member; a missing column, a
    /// column of another type, or a null in a member that cannot hold one raises <see cref="Bulwark.Arrow.ArrowSchemaMismatchException"/>
    /// naming the type, column and row, and a value that cannot become its member raises <see cref="ArrowValueException"/>.
    /// </summary>
    static abstract T[] ReadBatch(RecordBatch batch);
}

/// <summary>Appends records column-wise and cuts them into record batches.</summary>
public interface IArrowBatchBuilder<T> : IDisposable
{
    /// <summary>Rows appended since the last <see cref="Build"/> or <see cref="Clear"/>.</summary>
    int Count { get; }

    void Append(in T record);

    /// <summary>
    /// The appended rows as an Apache.Arrow batch whose arrays view the builder's pooled buffers. The builder is empty
    /// afterwards; disposing the batch returns the buffers, which the builder's next batch reuses. Arrays, slices and
    /// anything else that views the batch's memory (a <c>DataFrame</c> made from it, say) are valid until then.
    /// </summary>
    RecordBatch Build();

    /// <summary>Discards the appended rows.</summary>
    void Clear();
}
