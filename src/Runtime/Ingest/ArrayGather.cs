using System.Buffers;
using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;

namespace Bulwark.Ingest;

/// <summary>A run of rows of one source array: logical rows [<see cref="Start"/>, Start + Count) of source <see cref="Source"/>.</summary>
internal readonly record struct GatherRange(int Source, int Start, int Count);

/// <summary>
/// Copies runs of rows of several arrays of one type into one new array, column by column and byte for byte — what a
/// flush does with the rows its table's builders took in, regrouped visit by visit — without turning a row back into
/// a record. Covers every layout the generated column builders produce (fixed-width values, booleans, binary and
/// strings, dictionary indices with a copy of the one dictionary they share, lists, maps, structs); <see cref="CanGather"/>
/// says whether a set of arrays is one of those. The new buffers are rented from the shared pool and handed to <c>lease</c>.
/// </summary>
internal static class ArrayGather
{
    /// <summary>True when every array has <paramref name="type"/>'s layout as a supported type (dictionaries: the same one).</summary>
    public static bool CanGather(IArrowType type, IReadOnlyList<ArrayData> sources)
    {
        switch (type)
        {
            case BooleanType:
            case BinaryType:
            case StringType:
                return true;
            case DictionaryType dictionary:
                return dictionary.IndexType is FixedWidthType { BitWidth: 8 or 16 or 32 or 64 }
                    && sources[0].Dictionary is { } shared
                    && sources.All(s => ReferenceEquals(s.Dictionary, shared))
                    && CanGather(dictionary.ValueType, [shared]);
            case FixedWidthType { BitWidth: var bits } when bits % 8 == 0:
                return true;
            case ListType or MapType:
                return CanGather(((NestedType)type).Fields[0].DataType, sources.Select(s => s.Children[0]).ToArray());
            case StructType structType:
                for (var i = 0; i < structType.Fields.Count; i++)
                {
                    if (!CanGather(structType.Fields[i].DataType, sources.Select(s => s.Children[i]).ToArray()))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return false;
        }
    }

    /// <summary>The rows <paramref name="ranges"/> name, in that order, as one array of <paramref name="type"/>.</summary>
    public static ArrayData Gather(IArrowType type, IReadOnlyList<ArrayData> sources, ReadOnlySpan<GatherRange> ranges, BufferLease lease)
    {
        var length = 0;
        foreach (var range in ranges)
        {
            length = checked(length + range.Count);
        }

        var (validity, nulls) = GatherValidity(sources, ranges, length, lease);
        switch (type)
        {
            case BooleanType:
                return new ArrayData(type, length, nulls, 0, [validity, GatherBits(sources, 1, ranges, length, lease)], []);
            case BinaryType or StringType:
            {
                var (offsets, data) = GatherOffsets(sources, ranges, length, lease, copyData: true, out _);
                return new ArrayData(type, length, nulls, 0, [validity, offsets, data], []);
            }

            case DictionaryType dictionary:
            {
                // The dictionary is copied too: it belongs to the source batches, which are freed once the gather is
                // done (a builder's own dictionary in native memory with them; a generated one's outlives them anyway).
                var indices = GatherFixed(sources, 1, ((FixedWidthType)dictionary.IndexType).BitWidth / 8, ranges, length, lease);
                var values = sources[0].Dictionary!;
                return new ArrayData(type, length, nulls, 0, [validity, indices], [], Gather(dictionary.ValueType, [values], [new GatherRange(0, 0, values.Length)], lease));
            }

            case FixedWidthType fixedWidth:
                return new ArrayData(type, length, nulls, 0, [validity, GatherFixed(sources, 1, fixedWidth.BitWidth / 8, ranges, length, lease)], []);
            case ListType or MapType:
            {
                var (offsets, _) = GatherOffsets(sources, ranges, length, lease, copyData: false, out var childRanges);
                var children = sources.Select(s => s.Children[0]).ToArray();
                var child = Gather(((NestedType)type).Fields[0].DataType, children, childRanges, lease);
                return new ArrayData(type, length, nulls, 0, [validity, offsets], [child]);
            }

            case StructType structType:
            {
                // A struct's offset applies to its children as well.
                var shifted = new GatherRange[ranges.Length];
                for (var i = 0; i < ranges.Length; i++)
                {
                    shifted[i] = ranges[i] with { Start = ranges[i].Start + sources[ranges[i].Source].Offset };
                }

                var children = new ArrayData[structType.Fields.Count];
                for (var c = 0; c < children.Length; c++)
                {
                    children[c] = Gather(structType.Fields[c].DataType, sources.Select(s => s.Children[c]).ToArray(), shifted, lease);
                }

                return new ArrayData(type, length, nulls, 0, [validity], children);
            }

            default:
                throw new NotSupportedException($"Arrays of {ArrowTypes.Describe(type)} cannot be gathered.");
        }
    }

    private static (ArrowBuffer Bitmap, int Nulls) GatherValidity(IReadOnlyList<ArrayData> sources, ReadOnlySpan<GatherRange> ranges, int length, BufferLease lease)
    {
        var anyNulls = false;
        foreach (var range in ranges)
        {
            anyNulls |= range.Count > 0 && sources[range.Source].NullCount != 0;
        }

        if (!anyNulls)
        {
            return (ArrowBuffer.Empty, 0);
        }

        var bitmap = Rent(BitUtil.BytesForBits(length), lease, out var target);
        target.Clear();
        var at = 0;
        foreach (var range in ranges)
        {
            var source = sources[range.Source];
            if (source.NullCount == 0 || source.Buffers[0].IsEmpty)
            {
                SetBits(target, at, range.Count);
            }
            else
            {
                CopyBits(source.Buffers[0].Span, source.Offset + range.Start, target, at, range.Count);
            }

            at += range.Count;
        }

        return (bitmap, length - BitUtil.CountSetBits(target, length));
    }

    private static ArrowBuffer GatherBits(IReadOnlyList<ArrayData> sources, int buffer, ReadOnlySpan<GatherRange> ranges, int length, BufferLease lease)
    {
        var bits = Rent(BitUtil.BytesForBits(length), lease, out var target);
        target.Clear();
        var at = 0;
        foreach (var range in ranges)
        {
            var source = sources[range.Source];
            CopyBits(source.Buffers[buffer].Span, source.Offset + range.Start, target, at, range.Count);
            at += range.Count;
        }

        return bits;
    }

    private static ArrowBuffer GatherFixed(IReadOnlyList<ArrayData> sources, int buffer, int width, ReadOnlySpan<GatherRange> ranges, int length, BufferLease lease)
    {
        var values = Rent(checked(length * width), lease, out var target);
        var bytes = SourceBuffers(sources, buffer);
        var at = 0;
        foreach (var range in ranges)
        {
            var count = range.Count * width;
            bytes[range.Source].Span((sources[range.Source].Offset + range.Start) * width, count).CopyTo(target.Slice(at, count));
            at += count;
        }

        return values;
    }

    /// <summary>
    /// Rebased int32 offsets of the gathered rows and, for binary values, their bytes; for lists and maps, the runs of
    /// child rows they span instead (<paramref name="childRanges"/>).
    /// </summary>
    private static (ArrowBuffer Offsets, ArrowBuffer Data) GatherOffsets(IReadOnlyList<ArrayData> sources, ReadOnlySpan<GatherRange> ranges, int length, BufferLease lease, bool copyData, out GatherRange[] childRanges)
    {
        var offsetsBuffer = Rent(checked((length + 1) * sizeof(int)), lease, out var offsetBytes);
        var offsets = MemoryMarshal.Cast<byte, int>(offsetBytes);
        var sourceOffsets = SourceBuffers(sources, 1);
        childRanges = copyData ? [] : new GatherRange[ranges.Length];
        long total = 0;
        for (var i = 0; i < ranges.Length; i++)
        {
            var range = ranges[i];
            var bounds = Bounds(sourceOffsets[range.Source], sources[range.Source], range);
            total += bounds[^1] - bounds[0];
            if (!copyData)
            {
                childRanges[i] = new GatherRange(range.Source, bounds[0], bounds[^1] - bounds[0]);
            }
        }

        if (total > int.MaxValue)
        {
            throw new InvalidOperationException($"The gathered values take {total} bytes or child rows, more than int32 offsets can address; cut smaller flushes.");
        }

        var dataBuffer = ArrowBuffer.Empty;
        var data = Span<byte>.Empty;
        SourceBuffer[] sourceData = [];
        if (copyData)
        {
            dataBuffer = Rent((int)total, lease, out data);
            sourceData = SourceBuffers(sources, 2);
        }

        var row = 0;
        var end = 0;
        offsets[0] = 0;
        foreach (var range in ranges)
        {
            var bounds = Bounds(sourceOffsets[range.Source], sources[range.Source], range);
            var first = bounds[0];
            var shift = end - first;
            for (var k = 1; k < bounds.Length; k++)
            {
                offsets[++row] = bounds[k] + shift;
            }

            var span = bounds[^1] - first;
            if (copyData && span > 0)
            {
                sourceData[range.Source].Span(first, span).CopyTo(data.Slice(end, span));
            }

            end += span;
        }

        return (offsetsBuffer, dataBuffer);
    }

    /// <summary>The Count + 1 offsets that bound the rows of <paramref name="range"/>.</summary>
    private static ReadOnlySpan<int> Bounds(SourceBuffer offsets, ArrayData source, GatherRange range) =>
        MemoryMarshal.Cast<byte, int>(offsets.Span((source.Offset + range.Start) * sizeof(int), (range.Count + 1) * sizeof(int)));

    /// <summary>Buffer <paramref name="buffer"/> of each source, unwrapped once rather than once per range.</summary>
    private static SourceBuffer[] SourceBuffers(IReadOnlyList<ArrayData> sources, int buffer)
    {
        var result = new SourceBuffer[sources.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = new SourceBuffer(sources[i].Buffers[buffer].Memory);
        }

        return result;
    }

    private static ArrowBuffer Rent(int bytes, BufferLease lease, out Span<byte> span)
    {
        if (bytes == 0)
        {
            span = [];
            return ArrowBuffer.Empty;
        }

        var array = ArrayPool<byte>.Shared.Rent(bytes);
        lease.Add(array);
        span = array.AsSpan(0, bytes);
        return new ArrowBuffer(array.AsMemory(0, bytes));
    }

    private static void SetBits(Span<byte> target, int at, int count)
    {
        for (var i = 0; i < count; i++)
        {
            BitUtil.SetBit(target, at + i);
        }
    }

    /// <summary>Copies <paramref name="count"/> bits into a zeroed target (set bits only).</summary>
    private static void CopyBits(ReadOnlySpan<byte> source, int from, Span<byte> target, int at, int count)
    {
        if ((from & 7) == 0 && (at & 7) == 0)
        {
            var whole = count >> 3;
            source.Slice(from >> 3, whole).CopyTo(target[(at >> 3)..]);
            from += whole << 3;
            at += whole << 3;
            count &= 7;
        }

        for (var i = 0; i < count; i++)
        {
            if (BitUtil.GetBit(source, from + i))
            {
                BitUtil.SetBit(target, at + i);
            }
        }
    }
}

/// <summary>A source buffer's bytes: the pooled array behind them when there is one (spans of it cost nothing to make).</summary>
internal readonly struct SourceBuffer
{
    private readonly byte[]? _array;
    private readonly int _offset;
    private readonly ReadOnlyMemory<byte> _memory;

    public SourceBuffer(ReadOnlyMemory<byte> memory)
    {
        if (MemoryMarshal.TryGetArray(memory, out var segment))
        {
            _array = segment.Array;
            _offset = segment.Offset;
        }

        _memory = memory;
    }

    public ReadOnlySpan<byte> Span(int start, int length) =>
        _array is not null && (uint)start + (uint)length <= (uint)_memory.Length
            ? new ReadOnlySpan<byte>(_array, _offset + start, length)
            : _memory.Span.Slice(start, length);
}
