using System.Buffers;
using System.Buffers.Binary;
using Bulwark.Arrow;

namespace Bulwark.Parquet;

/// <summary>Decodes the values section of a data page into a leaf's physical buffers, checking every length first.</summary>
internal static class ValueDecoder
{
    public static void Decode(LeafColumn leaf, int encoding, ReadOnlySpan<byte> data, int count, LeafBuffers target, LeafBuffers? dictionary, IntScratch scratch, ParquetLocation location, long maxBytes)
    {
        switch (encoding)
        {
            case ParquetEncoding.Plain:
                DecodePlain(leaf, data, count, target, location);
                return;
            case ParquetEncoding.PlainDictionary:
            case ParquetEncoding.RleDictionary:
                DecodeDictionary(leaf, data, count, target, dictionary, scratch, location, maxBytes);
                return;
            case ParquetEncoding.Rle when leaf.PhysicalType == PhysicalType.Boolean:
            {
                if (data.Length < 4)
                {
                    throw location.Error("an RLE boolean page lacks its 4-byte length");
                }

                var length = BinaryPrimitives.ReadInt32LittleEndian(data);
                if (length < 0 || length > data.Length - 4)
                {
                    throw location.Error($"RLE boolean data of {length} bytes runs past the page");
                }

                var output = target.Values.GetSpan(count)[..count];
                RleHybrid.Decode(data.Slice(4, length), 1, output, 1, out var error);
                if (error is not null)
                {
                    throw location.Error(error);
                }

                target.Values.Advance(count);
                target.ValueCount += count;
                return;
            }

            case ParquetEncoding.DeltaBinaryPacked when leaf.PhysicalType is PhysicalType.Int32 or PhysicalType.Int64:
            {
                var width = leaf.PhysicalType == PhysicalType.Int32 ? 4 : 8;
                var decoded = ArrayPool<long>.Shared.Rent(Math.Max(1, count));
                try
                {
                    var position = 0;
                    DeltaBinaryPacked(data, ref position, decoded.AsSpan(0, count), location);
                    var output = target.Values.GetSpan(count * width)[..(count * width)];
                    for (var i = 0; i < count; i++)
                    {
                        if (width == 4)
                        {
                            BinaryPrimitives.WriteInt32LittleEndian(output[(i * 4)..], unchecked((int)decoded[i]));
                        }
                        else
                        {
                            BinaryPrimitives.WriteInt64LittleEndian(output[(i * 8)..], decoded[i]);
                        }
                    }
                }
                finally
                {
                    ArrayPool<long>.Shared.Return(decoded);
                }

                target.Values.Advance(count * width);
                target.ValueCount += count;
                return;
            }

            case ParquetEncoding.DeltaLengthByteArray when leaf.PhysicalType == PhysicalType.ByteArray:
            {
                var lengths = scratch.Get(count);
                var position = 0;
                DeltaLengths(data, ref position, lengths, location);
                AppendByteArrays(data[position..], lengths, default, target, location);
                return;
            }

            case ParquetEncoding.DeltaByteArray when leaf.PhysicalType == PhysicalType.ByteArray:
            {
                var both = scratch.Get(count * 2);
                var prefixes = both[..count];
                var suffixes = both[count..];
                var position = 0;
                DeltaLengths(data, ref position, prefixes, location);
                DeltaLengths(data, ref position, suffixes, location);
                long total = target.Values.Length;
                foreach (var length in suffixes)
                {
                    total += length;
                }

                foreach (var length in prefixes)
                {
                    total += length;
                }

                if (total > maxBytes)
                {
                    throw location.Error($"DELTA_BYTE_ARRAY values expand to {total} bytes, above the {maxBytes}-byte limit (ParquetReadOptions.MaxColumnBytes)");
                }

                AppendByteArrays(data[position..], suffixes, prefixes, target, location);
                return;
            }

            case ParquetEncoding.ByteStreamSplit when leaf.FixedWidth > 0:
            {
                var width = leaf.FixedWidth;
                if ((long)count * width > data.Length)
                {
                    throw location.Error($"BYTE_STREAM_SPLIT data holds {data.Length} bytes; {count} values need {(long)count * width}");
                }

                var output = target.Values.GetSpan(count * width)[..(count * width)];
                for (var k = 0; k < width; k++)
                {
                    var stream = data.Slice(k * count, count);
                    for (var i = 0; i < count; i++)
                    {
                        output[(i * width) + k] = stream[i];
                    }
                }

                target.Values.Advance(count * width);
                target.ValueCount += count;
                return;
            }

            default:
                throw location.Error($"unsupported encoding {ParquetEncoding.Name(encoding)} for {PhysicalType.Name(leaf.PhysicalType)} values");
        }
    }

    /// <summary>Decodes <paramref name="count"/> PLAIN values; returns the bytes consumed.</summary>
    public static int DecodePlain(LeafColumn leaf, ReadOnlySpan<byte> data, int count, LeafBuffers target, ParquetLocation location)
    {
        switch (leaf.PhysicalType)
        {
            case PhysicalType.Boolean:
            {
                var bytes = BitUtil.BytesForBits(count);
                if (bytes > data.Length)
                {
                    throw location.Error($"PLAIN booleans need {bytes} bytes for {count} values; the page holds {data.Length}");
                }

                var output = target.Values.GetSpan(count)[..count];
                for (var i = 0; i < count; i++)
                {
                    output[i] = (byte)((data[i >> 3] >> (i & 7)) & 1);
                }

                target.Values.Advance(count);
                target.ValueCount += count;
                return bytes;
            }

            case PhysicalType.ByteArray:
            {
                if (target.Offsets.Length == 0)
                {
                    target.Offsets.Write(0);
                }

                var position = 0;
                for (var i = 0; i < count; i++)
                {
                    if (data.Length - position < 4)
                    {
                        throw location.Error($"PLAIN byte array {i} of {count} lacks its length");
                    }

                    var length = BinaryPrimitives.ReadInt32LittleEndian(data[position..]);
                    position += 4;
                    if (length < 0 || length > data.Length - position)
                    {
                        throw location.Error($"PLAIN byte array {i} of {count} declares {length} bytes; {data.Length - position} remain");
                    }

                    target.Values.Write(data.Slice(position, length));
                    target.Offsets.Write(target.Values.Length);
                    position += length;
                }

                target.ValueCount += count;
                return position;
            }

            default:
            {
                var width = leaf.FixedWidth;
                var bytes = (long)count * width;
                if (bytes > data.Length)
                {
                    throw location.Error($"PLAIN values need {bytes} bytes for {count} values; the page holds {data.Length}");
                }

                target.Values.Write(data[..(int)bytes]);
                target.ValueCount += count;
                return (int)bytes;
            }
        }
    }

    private static void DecodeDictionary(LeafColumn leaf, ReadOnlySpan<byte> data, int count, LeafBuffers target, LeafBuffers? dictionary, IntScratch scratch, ParquetLocation location, long maxBytes)
    {
        if (dictionary is null)
        {
            throw location.Error("a dictionary-encoded page comes without a dictionary page");
        }

        if (count == 0)
        {
            return;
        }

        if (data.Length < 1 || data[0] > 32)
        {
            throw location.Error($"dictionary index bit width {(data.Length < 1 ? "(missing)" : data[0].ToString(System.Globalization.CultureInfo.InvariantCulture))} is invalid");
        }

        var indices = scratch.Get(count);
        RleHybrid.Decode(data[1..], data[0], indices, dictionary.ValueCount, out var error);
        if (error is not null)
        {
            throw location.Error(error);
        }

        var values = dictionary.Values.Written;
        if (leaf.PhysicalType == PhysicalType.ByteArray)
        {
            var offsets = dictionary.OffsetSpan;

            // A few index bytes can repeat a long dictionary entry millions of times: bound the expansion first.
            long total = target.Values.Length;
            foreach (var index in indices)
            {
                total += offsets[index + 1] - offsets[index];
            }

            if (total > maxBytes)
            {
                throw location.Error($"the dictionary-encoded values expand to {total} bytes, above the {maxBytes}-byte limit (ParquetReadOptions.MaxColumnBytes)");
            }

            if (target.Offsets.Length == 0)
            {
                target.Offsets.Write(0);
            }

            foreach (var index in indices)
            {
                target.Values.Write(values[offsets[index]..offsets[index + 1]]);
                target.Offsets.Write(target.Values.Length);
            }
        }
        else
        {
            var width = leaf.PhysicalType == PhysicalType.Boolean ? 1 : leaf.FixedWidth;
            if (target.Values.Length + ((long)count * width) > maxBytes)
            {
                throw location.Error($"the dictionary-encoded values expand to more than the {maxBytes}-byte limit (ParquetReadOptions.MaxColumnBytes)");
            }

            var output = target.Values.GetSpan(count * width)[..(count * width)];
            if (width == 4)
            {
                var source = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(values);
                var dest = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(output);
                for (var i = 0; i < count; i++)
                {
                    dest[i] = source[indices[i]];
                }
            }
            else if (width == 8)
            {
                var source = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(values);
                var dest = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(output);
                for (var i = 0; i < count; i++)
                {
                    dest[i] = source[indices[i]];
                }
            }
            else
            {
                for (var i = 0; i < count; i++)
                {
                    values.Slice(indices[i] * width, width).CopyTo(output[(i * width)..]);
                }
            }

            target.Values.Advance(count * width);
        }

        target.ValueCount += count;
    }

    private static void DeltaLengths(ReadOnlySpan<byte> data, ref int position, Span<int> output, ParquetLocation location)
    {
        var decoded = ArrayPool<long>.Shared.Rent(Math.Max(1, output.Length));
        try
        {
            DeltaBinaryPacked(data, ref position, decoded.AsSpan(0, output.Length), location);
            for (var i = 0; i < output.Length; i++)
            {
                var v = decoded[i];
                if (v is < 0 or > int.MaxValue)
                {
                    throw location.Error($"a DELTA length {v} is out of range");
                }

                output[i] = (int)v;
            }
        }
        finally
        {
            ArrayPool<long>.Shared.Return(decoded);
        }
    }

    private static void AppendByteArrays(ReadOnlySpan<byte> data, ReadOnlySpan<int> suffixLengths, ReadOnlySpan<int> prefixLengths, LeafBuffers target, ParquetLocation location)
    {
        if (target.Offsets.Length == 0)
        {
            target.Offsets.Write(0);
        }

        var position = 0;
        var previousStart = -1;
        var previousLength = 0;
        for (var i = 0; i < suffixLengths.Length; i++)
        {
            var suffix = suffixLengths[i];
            var prefix = prefixLengths.IsEmpty ? 0 : prefixLengths[i];
            if (suffix > data.Length - position)
            {
                throw location.Error($"byte array {i} needs {suffix} bytes; {data.Length - position} remain");
            }

            if (prefix > previousLength || (prefix > 0 && previousStart < 0))
            {
                throw location.Error($"byte array {i} shares a {prefix}-byte prefix with a {previousLength}-byte predecessor");
            }

            var start = target.Values.Length;
            if (prefix > 0)
            {
                var shared = target.Values.Written.Slice(previousStart, prefix).ToArray();
                target.Values.Write(shared);
            }

            target.Values.Write(data.Slice(position, suffix));
            position += suffix;
            target.Offsets.Write(target.Values.Length);
            previousStart = start;
            previousLength = prefix + suffix;
        }

        target.ValueCount += suffixLengths.Length;
    }

    /// <summary>DELTA_BINARY_PACKED (Encodings.md): blocks of miniblocks of bit-packed deltas above a per-block minimum.</summary>
    private static void DeltaBinaryPacked(ReadOnlySpan<byte> data, ref int position, Span<long> output, ParquetLocation location)
    {
        var count = output.Length;
        var blockSize = ReadUVarint(data, ref position, location);
        var miniblocks = ReadUVarint(data, ref position, location);
        var total = ReadUVarint(data, ref position, location);
        var value = ReadZigZag(data, ref position, location);
        if (blockSize == 0 || blockSize % 128 != 0 || miniblocks == 0 || blockSize % miniblocks != 0 || (blockSize / miniblocks) % 32 != 0 || blockSize > 1 << 20)
        {
            throw location.Error($"DELTA_BINARY_PACKED block size {blockSize} with {miniblocks} miniblocks is invalid");
        }

        if (total < (ulong)count)
        {
            throw location.Error($"DELTA_BINARY_PACKED holds {total} values; the page needs {count}");
        }

        if (count == 0)
        {
            return;
        }

        output[0] = value;
        var produced = 1;
        var perMini = (int)(blockSize / miniblocks);
        var widths = new byte[(int)miniblocks];
        while (produced < count)
        {
            var minDelta = ReadZigZag(data, ref position, location);
            if ((ulong)(data.Length - position) < miniblocks)
            {
                throw location.Error("DELTA_BINARY_PACKED bit widths are truncated");
            }

            data.Slice(position, (int)miniblocks).CopyTo(widths);
            position += (int)miniblocks;
            for (var m = 0; m < widths.Length && produced < count; m++)
            {
                int width = widths[m];
                if (width > 64)
                {
                    throw location.Error($"DELTA_BINARY_PACKED miniblock bit width {width} exceeds 64");
                }

                var bytes = perMini * width / 8;
                if (bytes > data.Length - position)
                {
                    throw location.Error("a DELTA_BINARY_PACKED miniblock is truncated");
                }

                var block = data.Slice(position, bytes);
                for (var i = 0; i < perMini && produced < count; i++)
                {
                    var delta = ReadBits(block, i * width, width);
                    value = unchecked(value + minDelta + (long)delta);
                    output[produced++] = value;
                }

                position += bytes;
            }
        }
    }

    private static ulong ReadBits(ReadOnlySpan<byte> data, int bitOffset, int width)
    {
        if (width == 0)
        {
            return 0;
        }

        UInt128 acc = 0;
        var first = bitOffset >> 3;
        var last = (bitOffset + width - 1) >> 3;
        for (var b = last; b >= first; b--)
        {
            acc = (acc << 8) | data[b];
        }

        acc >>= bitOffset & 7;
        return width == 64 ? (ulong)acc : (ulong)acc & ((1UL << width) - 1);
    }

    private static ulong ReadUVarint(ReadOnlySpan<byte> data, ref int position, ParquetLocation location)
    {
        ulong result = 0;
        for (var i = 0; i < 10; i++)
        {
            if (position >= data.Length)
            {
                throw location.Error("a DELTA header varint is truncated");
            }

            var b = data[position++];
            result |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw location.Error("a DELTA varint is longer than 10 bytes");
    }

    private static long ReadZigZag(ReadOnlySpan<byte> data, ref int position, ParquetLocation location)
    {
        var raw = ReadUVarint(data, ref position, location);
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }
}
