using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using System.Runtime.CompilerServices;

namespace Bulwark.Records;

/// <summary>
/// Appends one column's values into pooled buffers, for generated batch builders. <see cref="BuildBatch"/> hands the
/// buffers to Apache.Arrow arrays of the returned batch and leaves the builders empty and ready for the next batch;
/// disposing the batch returns the memory to the pool for the builders to reuse. Apache's own builders are not on this
/// path: they are several times slower (bench/compare-arrow-write.sh measures both).
/// </summary>
public abstract class ColumnBuilder : IDisposable
{
    // A mutable struct, appended to in place: this field must stay non-readonly.
    private protected ValidityBuffer Validity;

    private protected ColumnBuilder(IArrowType type, string? name)
    {
        Type = type;
        Name = name ?? ArrowTypes.Describe(type);
    }

    public IArrowType Type { get; }

    /// <summary>The column or path this builder fills, used in error messages.</summary>
    public string Name { get; }

    public int Length => Validity.Length;

    public int NullCount => Validity.NullCount;

    /// <summary>
    /// The bytes of the values appended so far — data, offsets, children, and validity as one bit per slot — which is
    /// what the built arrays will hold; ingest bounds its cache by it without building a batch.
    /// </summary>
    internal long EncodedBytes => ((long)Validity.Length + 7) / 8 + ValueBytes;

    /// <summary>The bytes of this builder's own buffers other than validity, plus its children's.</summary>
    private protected abstract long ValueBytes { get; }

    public abstract void AppendNull();

    /// <summary>Detaches the appended values as array data; the builder is empty afterwards.</summary>
    internal abstract ArrayData BuildData(BufferLease lease);

    /// <summary>
    /// Builds one batch from <paramref name="columns"/>, which all hold <paramref name="length"/> rows: the arrays view the
    /// builders' pooled buffers, and disposing the batch returns them for the builders' next batch. The builders are
    /// empty afterwards. Generated batch builders call this.
    /// </summary>
    public static RecordBatch BuildBatch(Schema schema, IReadOnlyList<ColumnBuilder> columns, int length)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(columns);
        var lease = new BufferLease();
        var arrays = new IArrowArray[columns.Count];
        for (var i = 0; i < arrays.Length; i++)
        {
            arrays[i] = ArrowArrayFactory.BuildArray(columns[i].BuildData(lease));
        }

        return new PooledRecordBatch(schema, arrays, length, lease);
    }

    /// <summary>The <see cref="EncodedBytes"/> of <paramref name="columns"/> together.</summary>
    internal static long SumEncodedBytes(IReadOnlyList<ColumnBuilder> columns)
    {
        long total = 0;
        for (var i = 0; i < columns.Count; i++)
        {
            total += columns[i].EncodedBytes;
        }

        return total;
    }

    /// <summary>Discards the appended values, keeping the memory for reuse.</summary>
    public abstract void Clear();

    /// <summary>
    /// Forgets every value from row <paramref name="length"/> on, children's included, so that a builder a rejected
    /// record left half-appended (some columns a row longer than others, a list's items without their end) holds
    /// exactly its first <paramref name="length"/> rows again. No column may hold fewer.
    /// </summary>
    internal abstract void Truncate(int length);

    /// <summary>Where the values of row <paramref name="length"/> begin, by an int32 offsets buffer (written lazily).</summary>
    private protected static int EndOffset(PooledBuffer offsets, int length) => offsets.Length == 0 ? 0 : offsets.ReadInt32(length * sizeof(int));

    /// <summary>Back to the offsets of <paramref name="length"/> rows; none at all for no rows, as before the first value.</summary>
    private protected static void TruncateOffsets(PooledBuffer offsets, int length) => offsets.Truncate(offsets.Length == 0 || length == 0 ? 0 : (length + 1) * sizeof(int));

    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    private protected abstract void Release();
}

public sealed class PrimitiveColumnBuilder<T> : ColumnBuilder
    where T : unmanaged
{
    private readonly PooledBuffer _values = new();

    public PrimitiveColumnBuilder(IArrowType type, string? name = null)
        : base(type, name)
    {
        if (type is not FixedWidthType { BitWidth: var bits } || bits != Unsafe.SizeOf<T>() * 8 || type is BooleanType or FixedSizeBinaryType or DictionaryType)
        {
            throw new ArgumentException($"{typeof(T).Name} values cannot be stored in a {ArrowTypes.Describe(type)} column.", nameof(type));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Append(T value)
    {
        _values.Write(value);
        Validity.AppendValid();
    }

    public void Append(T? value)
    {
        if (value.HasValue)
        {
            Append(value.GetValueOrDefault());
        }
        else
        {
            AppendNull();
        }
    }

    public override void AppendNull()
    {
        _values.Write(default(T));
        Validity.AppendNull();
    }

    private protected override long ValueBytes => _values.Length;

    internal override ArrayData BuildData(BufferLease lease)
    {
        var length = Length;
        var nulls = NullCount;
        return new ArrayData(Type, length, nulls, 0, [Validity.Detach(lease), _values.Detach(lease)], []);
    }

    public override void Clear()
    {
        Validity.Clear();
        _values.Clear();
    }

    internal override void Truncate(int length)
    {
        Validity.Truncate(length);
        _values.Truncate(length * Unsafe.SizeOf<T>());
    }

    private protected override void Release()
    {
        Validity.Release();
        _values.Release();
    }
}

public sealed class BooleanColumnBuilder : ColumnBuilder
{
    private readonly PooledBuffer _bits = new();

    public BooleanColumnBuilder(string? name = null)
        : base(BooleanType.Default, name)
    {
    }

    public void Append(bool value)
    {
        var index = Length;
        if ((index & 7) == 0)
        {
            _bits.Write((byte)0);
        }

        if (value)
        {
            BitUtil.SetBit(_bits.Written, index);
        }

        Validity.AppendValid();
    }

    public void Append(bool? value)
    {
        if (value.HasValue)
        {
            Append(value.GetValueOrDefault());
        }
        else
        {
            AppendNull();
        }
    }

    public override void AppendNull()
    {
        if ((Length & 7) == 0)
        {
            _bits.Write((byte)0);
        }

        Validity.AppendNull();
    }

    private protected override long ValueBytes => _bits.Length;

    internal override ArrayData BuildData(BufferLease lease)
    {
        var length = Length;
        var nulls = NullCount;
        var validity = Validity.Detach(lease);
        var bits = _bits.Detach(lease);
        return new ArrayData(Type, length, nulls, 0, [validity, bits], []);
    }

    public override void Clear()
    {
        Validity.Clear();
        _bits.Clear();
    }

    internal override void Truncate(int length)
    {
        Validity.Truncate(length);
        _bits.Truncate(BitUtil.BytesForBits(length));
        ValidityBuffer.ClearBitsFrom(_bits, length);
    }

    private protected override void Release()
    {
        Validity.Release();
        _bits.Release();
    }
}

/// <summary>Variable-length binary (and, through <see cref="Utf8ColumnBuilder"/>, strings): int32 offsets + data.</summary>
public class BinaryColumnBuilder : ColumnBuilder
{
    private protected readonly PooledBuffer Offsets = new();
    private protected readonly PooledBuffer Bytes = new();

    public BinaryColumnBuilder(string? name = null)
        : this(BinaryType.Default, name)
    {
    }

    private protected BinaryColumnBuilder(IArrowType type, string? name)
        : base(type, name)
    {
    }

    public void Append(ReadOnlySpan<byte> value)
    {
        Bytes.Write(value);
        EndValue();
    }

    public void Append(byte[]? value)
    {
        if (value is null)
        {
            AppendNull();
        }
        else
        {
            Append(value.AsSpan());
        }
    }

    public override void AppendNull()
    {
        WriteOffset();
        Validity.AppendNull();
    }

    private protected override long ValueBytes => (long)Offsets.Length + Bytes.Length;

    internal override ArrayData BuildData(BufferLease lease)
    {
        if (Offsets.Length == 0)
        {
            Offsets.Write(0);
        }

        var length = Length;
        var nulls = NullCount;
        var validity = Validity.Detach(lease);
        var offsets = Offsets.Detach(lease);
        var bytes = Bytes.Detach(lease);
        return new ArrayData(Type, length, nulls, 0, [validity, offsets, bytes], []);
    }

    public override void Clear()
    {
        Validity.Clear();
        Offsets.Clear();
        Bytes.Clear();
    }

    internal override void Truncate(int length)
    {
        var end = EndOffset(Offsets, length);
        Validity.Truncate(length);
        TruncateOffsets(Offsets, length);
        Bytes.Truncate(end);
    }

    private protected void EndValue()
    {
        WriteOffset();
        Validity.AppendValid();
    }

    private protected override void Release()
    {
        Validity.Release();
        Offsets.Release();
        Bytes.Release();
    }

    private void WriteOffset()
    {
        if (Offsets.Length == 0)
        {
            Offsets.Write(0);
        }

        // A pooled buffer never exceeds Array.MaxLength bytes, so the end of the data always fits an int32 offset.
        Offsets.Write(Bytes.Length);
    }
}

public sealed class Utf8ColumnBuilder : BinaryColumnBuilder
{
    public Utf8ColumnBuilder(string? name = null)
        : base(StringType.Default, name)
    {
    }

    /// <exception cref="ArgumentException">The string holds an unpaired surrogate, which UTF-8 cannot represent.</exception>
    public void Append(string? value)
    {
        if (value is null)
        {
            AppendNull();
            return;
        }

        if (!Bytes.TryWriteUtf8(value))
        {
            throw UnpairedSurrogate(nameof(value));
        }

        EndValue();
    }

    // Kept out of Append so the hot path stays small and inlinable.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ArgumentException UnpairedSurrogate(string parameter) =>
        new($"Column '{Name}': the string at row {Length} holds an unpaired surrogate and cannot be stored as UTF-8.", parameter);
}
