using System.Buffers.Binary;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>
/// Builds array data byte by byte from a seeded <see cref="Random"/>, for every type Bulwark reads: random schemas
/// (nested lists and structs, dictionaries with every index type), random nulls, unicode strings and extreme values.
/// </summary>
internal sealed class TestData
{
    private static readonly string[] Samples =
    [
        string.Empty, "a", "héllo", "日本語", "emoji 😀🎉", "\u0000nul", "tab\tnew\nline", "ﬁ ligature", "𝄞 clef", "Ω≈ç√∫",
        new string('x', 300),
    ];

    private readonly Random _random;
    private readonly Dictionary<Field, ArrayData> _dictionaries = new(ReferenceEqualityComparer.Instance);

    public TestData(int seed) => _random = new Random(seed);

    public Random Random => _random;

    public static IReadOnlyList<IArrowType> LeafTypes { get; } =
    [
        BooleanType.Default,
        Int8Type.Default, Int16Type.Default, Int32Type.Default, Int64Type.Default, UInt8Type.Default, UInt16Type.Default, UInt32Type.Default, UInt64Type.Default,
        HalfFloatType.Default, FloatType.Default, DoubleType.Default,
        new Decimal128Type(38, 10), new Decimal128Type(5, 0), new Decimal128Type(18, 18),
        StringType.Default, BinaryType.Default, new FixedSizeBinaryType(16), new FixedSizeBinaryType(3), new FixedSizeBinaryType(1),
        Date32Type.Default, Date64Type.Default,
        new Time32Type(TimeUnit.Second), new Time32Type(TimeUnit.Millisecond), new Time64Type(TimeUnit.Microsecond), new Time64Type(TimeUnit.Nanosecond),
        new TimestampType(TimeUnit.Second, (string?)null), new TimestampType(TimeUnit.Millisecond, "America/New_York"),
        new TimestampType(TimeUnit.Microsecond, "UTC"), new TimestampType(TimeUnit.Nanosecond, "+07:30"), new TimestampType(TimeUnit.Microsecond, (string?)null),
        DurationType.Second, DurationType.Millisecond, DurationType.Microsecond, DurationType.Nanosecond,
        NullType.Default,
    ];

    public static IReadOnlyList<IntegerType> IndexTypes { get; } =
        [Int8Type.Default, Int16Type.Default, Int32Type.Default, Int64Type.Default, UInt8Type.Default, UInt16Type.Default, UInt32Type.Default, UInt64Type.Default];

    /// <summary>A random schema of 1..6 columns; <paramref name="maxDepth"/> bounds list/struct nesting.</summary>
    public Schema RandomSchema(int maxDepth = 3)
    {
        var count = _random.Next(1, 7);
        var fields = new Field[count];
        for (var i = 0; i < count; i++)
        {
            fields[i] = RandomField($"c{i}_{RandomName()}", maxDepth);
        }

        var metadata = _random.Next(3) == 0 ? new[] { KeyValuePair.Create("origin", "test ✓"), KeyValuePair.Create("empty", string.Empty) } : null;
        return new Schema(fields, metadata);
    }

    public Field RandomField(string name, int depth)
    {
        var nullable = _random.Next(3) != 0;
        var roll = _random.Next(10);
        if (depth > 0 && roll == 0)
        {
            return new Field(name, new ListType(RandomField("item", depth - 1)), nullable, null);
        }

        if (depth > 0 && roll == 1)
        {
            // Apache's StructType refuses an empty field list.
            var children = new Field[_random.Next(1, 4)];
            for (var i = 0; i < children.Length; i++)
            {
                children[i] = RandomField($"f{i}", depth - 1);
            }

            return new Field(name, new StructType(children), nullable, null);
        }

        if (roll == 2)
        {
            var valueType = _random.Next(3) switch
            {
                0 => (IArrowType)StringType.Default,
                1 => Int64Type.Default,
                _ => BinaryType.Default,
            };
            var index = IndexTypes[_random.Next(IndexTypes.Count)];
            return new Field(name, new DictionaryType(index, valueType, false), nullable, null);
        }

        var type = LeafTypes[_random.Next(LeafTypes.Count)];
        var metadata = _random.Next(8) == 0 ? new[] { KeyValuePair.Create(ArrowTypes.ExtensionNameKey, "arrow.uuid") } : null;
        return new Field(name, type, nullable || type is NullType, metadata);
    }

    private string RandomName() => _random.Next(4) switch
    {
        0 => "url",
        1 => "名前",
        2 => string.Empty,
        _ => "x" + _random.Next(100),
    };

    public RecordBatch RandomBatch(Schema schema, int length)
    {
        var columns = new IArrowArray[schema.FieldsList.Count];
        for (var i = 0; i < columns.Length; i++)
        {
            columns[i] = ArrowArrayFactory.BuildArray(RandomArray(schema.FieldsList[i], length));
        }

        return new RecordBatch(schema, columns, length);
    }

    public ArrayData RandomArray(Field field, int length)
    {
        var (validity, nullCount) = RandomValidity(field.IsNullable && field.DataType is not NullType, length);
        if (field.DataType is DictionaryType encoding)
        {
            var dictionary = DictionaryFor(field, encoding.ValueType);
            var width = ((IntegerType)encoding.IndexType).BitWidth / 8;
            var indices = new byte[length * width];
            for (var i = 0; i < length; i++)
            {
                var index = _random.Next(dictionary.Length);
                switch (width)
                {
                    case 1: indices[i] = (byte)index; break;
                    case 2: BinaryPrimitives.WriteInt16LittleEndian(indices.AsSpan(i * 2), (short)index); break;
                    case 4: BinaryPrimitives.WriteInt32LittleEndian(indices.AsSpan(i * 4), index); break;
                    default: BinaryPrimitives.WriteInt64LittleEndian(indices.AsSpan(i * 8), index); break;
                }
            }

            return new ArrayData(encoding, length, nullCount, 0, [validity, new ArrowBuffer(indices)], [], dictionary);
        }

        return RandomValues(field.DataType, length, validity, nullCount);
    }

    /// <summary>One dictionary per dictionary field for the whole schema, as the IPC file format requires.</summary>
    private ArrayData DictionaryFor(Field field, IArrowType valueType)
    {
        if (!_dictionaries.TryGetValue(field, out var dictionary))
        {
            dictionary = RandomValues(valueType, _random.Next(1, 6), ArrowBuffer.Empty, 0);
            _dictionaries.Add(field, dictionary);
        }

        return dictionary;
    }

    private ArrayData RandomValues(IArrowType type, int length, ArrowBuffer validity, int nullCount)
    {
        switch (type)
        {
            case NullType:
                return new ArrayData(NullType.Default, length, length, 0, [], []);
            case BooleanType:
                var bits = new byte[BitUtil.BytesForBits(length)];
                _random.NextBytes(bits);
                return new ArrayData(type, length, nullCount, 0, [validity, new ArrowBuffer(bits)], []);
            case StringType or BinaryType:
                var offsets = new byte[(length + 1) * 4];
                var data = new List<byte>();
                for (var i = 0; i < length; i++)
                {
                    if (type is StringType)
                    {
                        data.AddRange(Encoding.UTF8.GetBytes(Samples[_random.Next(Samples.Length)]));
                    }
                    else
                    {
                        var bytes = new byte[_random.Next(0, 12)];
                        _random.NextBytes(bytes);
                        data.AddRange(bytes);
                    }

                    BinaryPrimitives.WriteInt32LittleEndian(offsets.AsSpan((i + 1) * 4), data.Count);
                }

                return new ArrayData(type, length, nullCount, 0, [validity, new ArrowBuffer(offsets), new ArrowBuffer(data.ToArray())], []);
            case ListType list:
                var listOffsets = new byte[(length + 1) * 4];
                var total = 0;
                for (var i = 0; i < length; i++)
                {
                    total += _random.Next(4) == 0 ? 0 : _random.Next(0, 4);
                    BinaryPrimitives.WriteInt32LittleEndian(listOffsets.AsSpan((i + 1) * 4), total);
                }

                var child = RandomArray(list.ValueField, total);
                return new ArrayData(type, length, nullCount, 0, [validity, new ArrowBuffer(listOffsets)], [child]);
            case StructType st:
                var children = new ArrayData[st.Fields.Count];
                for (var i = 0; i < children.Length; i++)
                {
                    children[i] = RandomArray(st.Fields[i], length);
                }

                return new ArrayData(type, length, nullCount, 0, [validity], children);
            default:
                var width = ((FixedWidthType)type).BitWidth / 8;
                var values = new byte[length * width];
                _random.NextBytes(values);
                for (var i = 0; i < length; i++)
                {
                    WriteExtreme(type, values.AsSpan(i * width, width));
                }

                return new ArrayData(type, length, nullCount, 0, [validity, new ArrowBuffer(values)], []);
        }
    }

    /// <summary>Sometimes replaces a random value with an edge case of its type: min, max, zero, NaN, infinities, -0.</summary>
    private void WriteExtreme(IArrowType type, Span<byte> slot)
    {
        if (_random.Next(4) != 0)
        {
            return;
        }

        var pick = _random.Next(4);
        switch (type)
        {
            case Int32Type:
                BinaryPrimitives.WriteInt32LittleEndian(slot, pick switch { 0 => int.MinValue, 1 => int.MaxValue, 2 => 0, _ => -1 });
                break;
            case Int64Type or TimestampType or DurationType or Date64Type:
                BinaryPrimitives.WriteInt64LittleEndian(slot, pick switch { 0 => long.MinValue, 1 => long.MaxValue, 2 => 0, _ => -1 });
                break;
            case DoubleType:
                BinaryPrimitives.WriteDoubleLittleEndian(slot, pick switch { 0 => double.NaN, 1 => double.NegativeInfinity, 2 => -0.0, _ => double.MaxValue });
                break;
            case FloatType:
                BinaryPrimitives.WriteSingleLittleEndian(slot, pick switch { 0 => float.NaN, 1 => float.PositiveInfinity, 2 => -0.0f, _ => float.Epsilon });
                break;
            case Decimal128Type:
                BinaryPrimitives.WriteInt128LittleEndian(slot, pick switch { 0 => Int128.MinValue, 1 => Int128.MaxValue, 2 => Int128.Zero, _ => Int128.NegativeOne });
                break;
            default:
                slot.Fill(pick switch { 0 => (byte)0, 1 => (byte)0xFF, 2 => (byte)0x80, _ => (byte)0x7F });
                break;
        }
    }

    private (ArrowBuffer Validity, int NullCount) RandomValidity(bool nullable, int length)
    {
        if (!nullable || length == 0 || _random.Next(3) == 0)
        {
            return (ArrowBuffer.Empty, 0);
        }

        var bits = new byte[BitUtil.BytesForBits(length)];
        var nulls = 0;
        var allNull = _random.Next(10) == 0;
        for (var i = 0; i < length; i++)
        {
            if (!allNull && _random.Next(3) != 0)
            {
                BitUtil.SetBit(bits, i);
            }
            else
            {
                nulls++;
            }
        }

        return nulls == 0 ? (ArrowBuffer.Empty, 0) : (new ArrowBuffer(bits), nulls);
    }
}
