namespace Bulwark.Upsert;

/// <summary>A buffered input: the row (null deletes) and its source offset.</summary>
internal readonly record struct PendingInput<TRow>(TRow? Row, long Offset);

/// <summary>
/// Inputs not yet written, by time and then by key. Each key keeps one value per time: the input with the highest
/// source offset (of equal offsets, the later push), so a time's inputs are decided before any of them is written.
/// </summary>
internal sealed class UpsertInputBuffer<TKey, TRow>
    where TKey : notnull
    where TRow : class
{
    private readonly SortedDictionary<long, Dictionary<TKey, PendingInput<TRow>>> _byTime = [];

    /// <summary>Buffered inputs (one per key and time).</summary>
    public int Count { get; private set; }

    /// <summary>The earliest buffered time: the operator may still write there, so its output frontier is at most this.</summary>
    public long? EarliestTime => _byTime.Count == 0 ? null : _byTime.Keys.First();

    /// <summary>The buffered times in ascending order, each with its inputs by key.</summary>
    public IEnumerable<KeyValuePair<long, Dictionary<TKey, PendingInput<TRow>>>> Times => _byTime;

    /// <summary>
    /// Buffers an input. Returns true when the add superseded an input: the new one, because the key already has an
    /// input with a higher offset at that time, or the held one it replaces. Either way one input will never be
    /// written, and the operator counts it.
    /// </summary>
    public bool Add(TKey key, TRow? row, long time, long offset)
    {
        if (!_byTime.TryGetValue(time, out var keys))
        {
            _byTime[time] = keys = [];
        }

        if (keys.TryGetValue(key, out var held))
        {
            if (held.Offset <= offset)
            {
                keys[key] = new PendingInput<TRow>(row, offset);
            }

            return true;
        }

        keys[key] = new PendingInput<TRow>(row, offset);
        Count++;
        return false;
    }

    /// <summary>
    /// Classifies every buffered time against the output shard's <paramref name="upper"/> and drops the times below it
    /// (a peer wrote them). Returns how many inputs were dropped.
    /// </summary>
    public int Reclassify(long upper, bool twoWay)
    {
        var dropped = 0;
        foreach (var time in _byTime.Keys.TakeWhile(t => t < upper).ToList())
        {
            if (UpsertClassifier.Classify(time, upper, twoWay) == UpsertClass.Drop)
            {
                dropped += Remove(time);
            }
        }

        return dropped;
    }

    /// <summary>Removes every time below <paramref name="upper"/> (they were just written); returns how many inputs that was.</summary>
    public int RemoveBelow(long upper)
    {
        var removed = 0;
        foreach (var time in _byTime.Keys.TakeWhile(t => t < upper).ToList())
        {
            removed += Remove(time);
        }

        return removed;
    }

    private int Remove(long time)
    {
        var count = _byTime[time].Count;
        _byTime.Remove(time);
        Count -= count;
        return count;
    }
}
