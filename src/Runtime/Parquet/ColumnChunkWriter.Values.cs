using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Bulwark.Arrow;

namespace Bulwark.Parquet;

/// <summary>The PLAIN value encoding and the chunk dictionary, with its fallback to PLAIN.</summary>
internal sealed partial class ColumnChunkWriter
{
    private void WritePlain(LeafColumn leaf, LeafBuffers data, int valueStart, int valueEnd)
    {
        var count = valueEnd - valueStart;
        if (count == 0)
        {
            return;
        }

        if (leaf.PhysicalType == PhysicalType.Boolean)
        {
            var bytes = BitUtil.BytesForBits(count);
            var span = _page.GetSpan(bytes)[..bytes];
            span.Clear();
            var source = data.Values.Written.Slice(valueStart, count);
            for (var i = 0; i < count; i++)
            {
                span[i >> 3] |= (byte)(source[i] << (i & 7));
            }

            _page.Advance(bytes);
        }
        else if (leaf.PhysicalType == PhysicalType.ByteArray)
        {
            var offsets = data.OffsetSpan;
            var all = data.Values.Written;
            var total = (offsets[valueEnd] - offsets[valueStart]) + (4 * count);
            var span = _page.GetSpan(total);
            var at = 0;
            for (var i = valueStart; i < valueEnd; i++)
            {
                var value = all[offsets[i]..offsets[i + 1]];
                BinaryPrimitives.WriteInt32LittleEndian(span[at..], value.Length);
                value.CopyTo(span[(at + 4)..]);
                at += 4 + value.Length;
            }

            _page.Advance(total);
        }
        else
        {
            var width = leaf.FixedWidth;
            _page.Write(data.Values.Written.Slice(valueStart * width, count * width));
        }
    }

    private void WritePlainDictionary(LeafColumn leaf)
    {
        if (leaf.PhysicalType == PhysicalType.ByteArray)
        {
            for (var i = 0; i < _dictionary.Count; i++)
            {
                var entry = _dictionary.Entry(i);
                _page.Write(entry.Length);
                _page.Write(entry);
            }
        }
        else
        {
            _page.Write(_dictionary.Bytes.Written);
        }
    }

    /// <summary>Builds the chunk's dictionary and indices; false (fall back to PLAIN) when it would be too large or not pay off.</summary>
    private bool BuildDictionary(LeafColumn leaf, LeafBuffers data)
    {
        _dictionary.Clear();
        var indices = _indices.Get(data.ValueCount);
        var limit = _options.DictionaryPageSizeLimit;
        var values = data.Values.Written;
        var count = data.ValueCount;

        // A dictionary of mostly distinct values costs its own size plus the indices: worse than PLAIN. A sample at the
        // start of the chunk that is mostly distinct ends the attempt early, before the table grows.
        var distinctLimit = Math.Max(64, count / 2);
        const int Sample = 8192;
        if (leaf.PhysicalType == PhysicalType.ByteArray)
        {
            var offsets = data.OffsetSpan;
            long size = 0;
            for (var i = 0; i < count; i++)
            {
                var before = _dictionary.Count;
                var value = values[offsets[i]..offsets[i + 1]];
                indices[i] = _dictionary.Add(value);
                if (_dictionary.Count != before)
                {
                    size += 4 + value.Length;
                    if (size > limit || _dictionary.Count > distinctLimit)
                    {
                        return false;
                    }
                }

                if (i == Sample - 1 && _dictionary.Count > Sample / 2)
                {
                    return false;
                }
            }

            return true;
        }

        var width = leaf.FixedWidth;
        var maxEntries = Math.Min(distinctLimit, limit / width);
        for (var i = 0; i < count; i++)
        {
            indices[i] = _dictionary.Add(values.Slice(i * width, width));
            if (_dictionary.Count > maxEntries || (i == Sample - 1 && _dictionary.Count > Sample / 2))
            {
                return false;
            }
        }

        return true;
    }
}
