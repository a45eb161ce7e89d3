using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using System.Runtime.CompilerServices;

namespace Bulwark.Records;

public sealed class FixedSizeBinaryColumnBuilder : ColumnBuilder
{
    private readonly PooledBuffer _values = new();
    private readonly int _width;

    public FixedSizeBinaryColumnBuilder(FixedSizeBinaryType type, string? name = null)
        : base(type, name)
    {
        _width = type.ByteWidth;
    }

    public void Append(ReadOnlySpan<byte> value)
    {
        if (value.Length != _width)
        {
            throw new ArgumentException($"Column '{Name}' holds {_width}-byte values; got {value.Length} bytes.", nameof(value));
        }

        _values.Write(value);
        Validity.AppendValid();
    }

    /// <summary>Appends a UUID in RFC 4122 (big-endian) byte order, as the arrow.uuid extension defines it.</summary>
    public void Append(Guid value)
    {
        if (_width != 16)
        {
            throw new InvalidOperationException($"Column '{Name}' is fixed_size_binary({_width}); a UUID needs 16 bytes.");
        }

        value.TryWriteBytes(_values.GetSpan(16), bigEndian: true, out _);
        _values.Advance(16);
        Validity.AppendValid();
    }

    public void Append(Guid? value)
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
        _values.GetSpan(_width)[.._width].Clear();
        _values.Advance(_width);
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
        _values.Truncate(length * _width);
    }

    private protected override void Release()
    {
        Validity.Release();
        _values.Release();
    }
}

public sealed class Decimal128ColumnBuilder : ColumnBuilder
{
    private readonly PooledBuffer _values = new();
    private readonly int _precision;
    private readonly int _scale;

    public Decimal128ColumnBuilder(Decimal128Type type, string? name = null)
        : base(type, name)
    {
        _precision = type.Precision;
        _scale = type.Scale;
    }

    /// <exception cref="ArgumentOutOfRangeException">The value needs more digits or fractional digits than the column allows.</exception>
    public void Append(decimal value)
    {
        Int128 unscaled;
        try
        {
            unscaled = DecimalConvert.ToUnscaled(value, _precision, _scale);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new ArgumentOutOfRangeException($"Column '{Name}', row {Length}: {ex.Message}", ex);
        }

        _values.Write(unscaled);
        Validity.AppendValid();
    }

    public void Append(decimal? value)
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
        _values.Write(Int128.Zero);
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
        _values.Truncate(length * 16);
    }

    private protected override void Release()
    {
        Validity.Release();
        _values.Release();
    }
}
