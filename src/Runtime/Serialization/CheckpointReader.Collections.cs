using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Runtime.InteropServices;

namespace Bulwark.Serialization;

// Nested messages, nullable values and collections: every count is checked against the bytes that can hold it.
public ref partial struct CheckpointReader
{
    /// <summary>A nested state: a length-delimited message read by <typeparamref name="T"/>'s own <c>ReadState</c>.</summary>
    public T ReadNested<T>()
        where T : ICheckpointState<T>
    {
        var savedEnd = EnterRegion(ReadLength());
        var value = T.ReadState(ref this);
        ExitRegion(savedEnd);
        return value;
    }

    /// <summary>
    /// A nested state with every field missing, for a constructor parameter whose field an older version did not write:
    /// each member takes the default its type's restore gives a missing field.
    /// </summary>
    public T ReadMissingNested<T>()
        where T : ICheckpointState<T>
    {
        var savedEnd = EnterRegion(0);
        var value = T.ReadState(ref this);
        ExitRegion(savedEnd);
        return value;
    }

    /// <summary>A presence byte (0 null, 1 present) and then the item.</summary>
    public T? ReadNullableValue<T>(CheckpointItemReader<T> item)
        where T : struct => ReadPresence() ? item(ref this) : null;

    /// <inheritdoc cref="ReadNullableValue{T}"/>
    public T? ReadNullableReference<T>(CheckpointItemReader<T> item)
        where T : class => ReadPresence() ? item(ref this) : null;

    /// <param name="item">Reads one item.</param>
    /// <param name="minItemSize">The fewest bytes one item occupies; bounds the count by the bytes left before anything is allocated.</param>
    public List<T> ReadList<T>(CheckpointItemReader<T> item, int minItemSize)
    {
        var count = BeginCollection(minItemSize, out var savedEnd);
        var list = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            Push(new PathSegment(SegmentKind.Index, null, i));
            list.Add(item(ref this));
            _pathLength--;
        }

        ExitRegion(savedEnd);
        return list;
    }

    /// <inheritdoc cref="ReadList{T}"/>
    public T[] ReadArray<T>(CheckpointItemReader<T> item, int minItemSize)
    {
        var count = BeginCollection(minItemSize, out var savedEnd);
        var array = count == 0 ? [] : new T[count];
        for (var i = 0; i < count; i++)
        {
            Push(new PathSegment(SegmentKind.Index, null, i));
            array[i] = item(ref this);
            _pathLength--;
        }

        ExitRegion(savedEnd);
        return array;
    }

    /// <param name="item">Reads one item.</param>
    /// <param name="minItemSize">The fewest bytes one item occupies; bounds the count by the bytes left before anything is allocated.</param>
    /// <param name="comparerOf">
    /// The set the state's constructor created, whose comparer the restored set is built with from the start rather
    /// than rebuilt with by <see cref="WithComparerOf{T}(HashSet{T}, HashSet{T}, string)"/>; null for the default comparer.
    /// </param>
    public HashSet<T> ReadHashSet<T>(CheckpointItemReader<T> item, int minItemSize, HashSet<T>? comparerOf = null)
    {
        var count = BeginCollection(minItemSize, out var savedEnd);
        var set = new HashSet<T>(count, comparerOf?.Comparer);
        for (var i = 0; i < count; i++)
        {
            Push(new PathSegment(SegmentKind.Index, null, i));
            var start = _position;
            var element = item(ref this);
            if (!set.Add(element))
            {
                throw Fail(start, Contains(set, element)
                    ? "the set holds this element twice"
                    : "two elements are equal under the set's comparer");
            }

            _pathLength--;
        }

        ExitRegion(savedEnd);
        return set;
    }

    /// <param name="key">Reads one key.</param>
    /// <param name="value">Reads one value.</param>
    /// <param name="minPairSize">The fewest bytes one key plus one value occupy.</param>
    /// <param name="comparerOf">
    /// The dictionary the state's constructor created, whose comparer the restored dictionary is built with from the
    /// start rather than rebuilt with by <see cref="WithComparerOf{TKey, TValue}(Dictionary{TKey, TValue}, Dictionary{TKey, TValue}, string)"/>;
    /// null for the default comparer.
    /// </param>
    public Dictionary<TKey, TValue> ReadDictionary<TKey, TValue>(CheckpointItemReader<TKey> key, CheckpointItemReader<TValue> value, int minPairSize, Dictionary<TKey, TValue>? comparerOf = null)
        where TKey : notnull
    {
        var count = BeginCollection(minPairSize, out var savedEnd);
        var dictionary = new Dictionary<TKey, TValue>(count, comparerOf?.Comparer);
        for (var i = 0; i < count; i++)
        {
            var start = _position;
            Push(new PathSegment(SegmentKind.EntryKey, null, i));
            var k = key(ref this);
            _pathLength--;
            Push(ValueSegment(k, i));

            // One hash lookup both refuses a duplicate (before its value is read, so the error names the key) and
            // reserves the slot; the reserved default is never seen, since a failing value read abandons the dictionary.
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(dictionary, k, out var exists);
            if (exists)
            {
                throw Fail(start, Contains(dictionary.Keys, k)
                    ? "the dictionary holds this key twice"
                    : "two keys are equal under the dictionary's comparer");
            }

            slot = value(ref this);
            _pathLength--;
        }

        ExitRegion(savedEnd);
        return dictionary;
    }

    /// <summary>Whether <paramref name="items"/> holds <paramref name="item"/> itself rather than only an item its comparer finds equal; only on the failure path.</summary>
    private static bool Contains<T>(IEnumerable<T> items, T item)
    {
        foreach (var candidate in items)
        {
            if (EqualityComparer<T>.Default.Equals(candidate, item))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <paramref name="restored"/> with the comparer of <paramref name="initial"/>, the dictionary the state's
    /// constructor created; keys that the comparer finds equal are an error (they cannot both be kept).
    /// </summary>
    [return: NotNullIfNotNull(nameof(restored))]
    public Dictionary<TKey, TValue>? WithComparerOf<TKey, TValue>(Dictionary<TKey, TValue>? restored, Dictionary<TKey, TValue>? initial, string member)
        where TKey : notnull
    {
        if (restored is null || initial is null || Equals(restored.Comparer, initial.Comparer))
        {
            return restored;
        }

        var result = new Dictionary<TKey, TValue>(restored.Count, initial.Comparer);
        foreach (var pair in restored)
        {
            if (!result.TryAdd(pair.Key, pair.Value))
            {
                Push(new PathSegment(SegmentKind.Field, member, 0));
                Push(ValueSegment(pair.Key, result.Count));
                throw Fail(_position, "two keys are equal under the dictionary's comparer");
            }
        }

        return result;
    }

    /// <inheritdoc cref="WithComparerOf{TKey, TValue}(Dictionary{TKey, TValue}, Dictionary{TKey, TValue}, string)"/>
    [return: NotNullIfNotNull(nameof(restored))]
    public HashSet<T>? WithComparerOf<T>(HashSet<T>? restored, HashSet<T>? initial, string member)
    {
        if (restored is null || initial is null || Equals(restored.Comparer, initial.Comparer))
        {
            return restored;
        }

        var result = new HashSet<T>(restored.Count, initial.Comparer);
        foreach (var item in restored)
        {
            if (!result.Add(item))
            {
                Push(new PathSegment(SegmentKind.Field, member, 0));
                throw Fail(_position, "two elements are equal under the set's comparer");
            }
        }

        return result;
    }

    private static PathSegment ValueSegment<TKey>(TKey key, int index)
    {
        if (key is string text)
        {
            return new PathSegment(SegmentKind.ValueOfStringKey, text, 0);
        }

        // Typed checks the JIT folds per instantiation, so integer keys are reported without boxing them.
        if (typeof(TKey) == typeof(int))
        {
            return new PathSegment(SegmentKind.ValueOfNumberKey, null, (int)(object)key!);
        }

        if (typeof(TKey) == typeof(long))
        {
            return new PathSegment(SegmentKind.ValueOfNumberKey, null, (long)(object)key!);
        }

        return new PathSegment(SegmentKind.ValueOfEntry, null, index);
    }
}
