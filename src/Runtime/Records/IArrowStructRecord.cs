using Apache.Arrow;

namespace Bulwark.Records;

/// <summary>
/// Implemented by the generator for every <c>[ArrowRecord]</c> type, next to <see cref="IArrowRecord{T}"/>, so that another
/// record's generated code (possibly in another assembly) can store <typeparamref name="T"/> as a struct column without
/// knowing its members. The members are implemented explicitly; call them through <see cref="ArrowStruct"/>.
/// </summary>
public interface IArrowStructRecord<T> : IArrowRecord<T>
    where T : IArrowStructRecord<T>
{
    /// <summary>The fields of <typeparamref name="T"/>, one per column, in declaration order.</summary>
    static abstract IReadOnlyList<Field> CreateArrowFields();

    /// <summary>Builders for the children of a struct column of <typeparamref name="T"/>; <paramref name="path"/> names the column in errors.</summary>
    static abstract IArrowStructWriter<T> CreateStructWriter(IReadOnlyList<Field> fields, string path);

    /// <summary>Binds the children of <paramref name="array"/> by name, failing like <see cref="IArrowRecord{T}.ReadBatch"/> does.</summary>
    static abstract IArrowStructReader<T> CreateStructReader(StructArray array, string path);
}

/// <summary>Appends values of <typeparamref name="T"/> to the child builders of a struct column.</summary>
public interface IArrowStructWriter<T> : IDisposable
{
    IReadOnlyList<ColumnBuilder> Children { get; }

    void Append(in T value);

    /// <summary>
    /// Appends a filler to every child for a slot whose struct is null: null where the child is nullable, otherwise a
    /// default value, so that non-nullable children never hold nulls (which readers that check nullability reject).
    /// </summary>
    void AppendPlaceholder();

    void Clear();
}

/// <summary>Reads rows of a bound struct column as <typeparamref name="T"/>.</summary>
public interface IArrowStructReader<T>
{
    T Read(int row);
}

/// <summary>Calls the static members of <see cref="IArrowStructRecord{T}"/>, which records implement explicitly.</summary>
public static class ArrowStruct
{
    /// <summary>The Apache.Arrow schema of <typeparamref name="T"/>.</summary>
    public static Schema CreateSchema<T>()
        where T : IArrowStructRecord<T> => new(T.CreateArrowFields(), null);

    public static IReadOnlyList<Field> CreateFields<T>()
        where T : IArrowStructRecord<T> => T.CreateArrowFields();

    public static IArrowStructWriter<T> CreateWriter<T>(IReadOnlyList<Field> fields, string path)
        where T : IArrowStructRecord<T> => T.CreateStructWriter(fields, path);

    public static IArrowStructReader<T> CreateReader<T>(StructArray array, string path)
        where T : IArrowStructRecord<T> => T.CreateStructReader(array, path);
}
