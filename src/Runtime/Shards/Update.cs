namespace Bulwark.Shards;

/// <summary>
/// One change to a shard's collection: <paramref name="Diff"/> copies of <paramref name="Row"/> appear (positive) or
/// disappear (negative) at <paramref name="Time"/>. A shard consolidates updates by <c>(Row, Time)</c>, so
/// <typeparamref name="T"/> must have value equality: a C# <c>record</c>, or a type implementing
/// <see cref="IEquatable{T}"/> with a matching <see cref="object.GetHashCode"/>. Two rows that are equal are one row:
/// their diffs are summed and the pair disappears when the sum is zero.
/// </summary>
/// <param name="Row">The record; never null.</param>
/// <param name="Time">The logical time of the change.</param>
/// <param name="Diff">How many copies are added (positive) or retracted (negative).</param>
public readonly record struct Update<T>(T Row, long Time, long Diff);
