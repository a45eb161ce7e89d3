using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using Bulwark.Arrow;

namespace Bulwark.Parquet;

/// <summary>
/// Distinct values of a column chunk, keyed by their PLAIN bytes, in an open-addressing table: no allocation per value.
/// Entries keep first-seen order so the dictionary page lists them by index.
/// </summary>
internal sealed class ValueDictionary : IDisposable
{
    private int[] _table = new int[1024];
    private int _mask = 1023;
    private int[] _hashes = new int[256];
    private int[] _starts = new int[257];

    public ValueDictionary() => Array.Fill(_table, -1);

    public int Count { get; private set; }

    /// <summary>The entries back to back (PLAIN without length prefixes), in index order.</summary>
    public PooledBuffer Bytes { get; } = new();

    public ReadOnlySpan<byte> Entry(int index) => Bytes.Written[_starts[index].._starts[index + 1]];

    public void Clear()
    {
        Array.Fill(_table, -1);
        Count = 0;
        Bytes.Clear();
    }

    /// <summary>The index of <paramref name="value"/>, adding it when new.</summary>
    public int Add(ReadOnlySpan<byte> value)
    {
        var hash = Hash(value);
        var slot = hash & _mask;

        // The table is at most half full, so probing always reaches an empty slot.
        for (var entry = _table[slot]; entry >= 0; entry = _table[slot])
        {
            if (_hashes[entry] == hash && Entry(entry).SequenceEqual(value))
            {
                return entry;
            }

            slot = (slot + 1) & _mask;
        }

        var index = Count;
        if (index + 1 >= _hashes.Length)
        {
            Array.Resize(ref _hashes, _hashes.Length * 2);
            Array.Resize(ref _starts, (_hashes.Length) + 1);
        }

        _hashes[index] = hash;
        _starts[index] = Bytes.Length;
        Bytes.Write(value);
        _starts[index + 1] = Bytes.Length;
        _table[slot] = index;
        Count++;
        if (Count * 2 > _table.Length)
        {
            Grow();
        }

        return index;
    }

    public void Dispose() => Bytes.Release();

    private void Grow()
    {
        var table = new int[_table.Length * 2];
        Array.Fill(table, -1);
        var mask = table.Length - 1;
        for (var i = 0; i < Count; i++)
        {
            var slot = _hashes[i] & mask;
            while (table[slot] >= 0)
            {
                slot = (slot + 1) & mask;
            }

            table[slot] = i;
        }

        _table = table;
        _mask = mask;
    }

    private static int Hash(ReadOnlySpan<byte> value)
    {
        ulong h;
        if (value.Length == 4)
        {
            h = BinaryPrimitives.ReadUInt32LittleEndian(value);
        }
        else if (value.Length == 8)
        {
            h = BinaryPrimitives.ReadUInt64LittleEndian(value);
        }
        else
        {
            var hc = default(HashCode);
            hc.AddBytes(value);
            h = (uint)hc.ToHashCode();
        }

        // Fibonacci mixing spreads sequential keys over the high bits, which the mask then keeps.
        h *= 0x9E3779B97F4A7C15UL;
        return (int)(h >> 33);
    }
}

/// <summary>Growable int scratch from the shared pool.</summary>
internal sealed class IntScratch : IDisposable
{
    private int[] _array = [];

    public Span<int> Get(int count)
    {
        if (_array.Length < count)
        {
            if (_array.Length > 0)
            {
                ArrayPool<int>.Shared.Return(_array);
            }

            _array = ArrayPool<int>.Shared.Rent(Math.Max(count, 256));
        }

        return _array.AsSpan(0, count);
    }

    public void Dispose()
    {
        if (_array.Length > 0)
        {
            ArrayPool<int>.Shared.Return(_array);
        }

        _array = [];
    }
}
