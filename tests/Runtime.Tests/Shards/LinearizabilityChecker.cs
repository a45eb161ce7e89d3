namespace Bulwark.Runtime.Tests.Shards;

/// <summary>A sequential specification: the state an operation starts in, and whether an output is allowed.</summary>
public interface ILinearizabilityModel<TState, TInput, TOutput>
    where TState : notnull
{
    TState Initial { get; }

    /// <summary>
    /// Applies <paramref name="input"/> to <paramref name="state"/>. <paramref name="output"/> is null for an operation
    /// whose answer never came (it may or may not have taken effect; the model decides what that allows).
    /// </summary>
    /// <returns>False when the sequential object could not have answered <paramref name="output"/> in this state.</returns>
    bool Step(TState state, TInput input, TOutput? output, out TState next);
}

/// <summary>
/// One operation of a concurrent history: invoked at <see cref="Call"/>, answered at <see cref="Return"/> (null: never
/// answered — an unknown outcome, which may be linearized anywhere after its call, or never take effect).
/// </summary>
public sealed record HistoryOperation<TInput, TOutput>(int Client, TInput Input, long Call, TOutput? Output, long? Return);

/// <summary>What <see cref="LinearizabilityChecker"/> found.</summary>
/// <param name="Linearizable">True if some order of the operations, consistent with real time, satisfies the model.</param>
/// <param name="Exhausted">True if the search hit its step bound without deciding (then <paramref name="Linearizable"/> is false).</param>
/// <param name="LongestPrefix">The most operations any candidate order linearized, to point at where a violation lies.</param>
public sealed record LinearizabilityResult(bool Linearizable, bool Exhausted, int LongestPrefix, int Operations, long Steps);

/// <summary>
/// The Wing &amp; Gong linearizability search with Lowe's memoization, as Porcupine implements it: the history is a
/// list of call and return events in time order; the search repeatedly tries to linearize the first pending call,
/// lifting it (both events) out of the list when the model accepts it, and backtracks when it reaches a return event
/// whose call is not yet linearized. A cache of (linearized set, model state) pairs already explored prunes the search:
/// two paths that linearized the same operations and reached the same state have the same future.
/// </summary>
public static class LinearizabilityChecker
{
    public static LinearizabilityResult Check<TState, TInput, TOutput>(
        ILinearizabilityModel<TState, TInput, TOutput> model,
        IReadOnlyList<HistoryOperation<TInput, TOutput>> history,
        long maxSteps = 20_000_000)
        where TState : notnull
    {
        var events = BuildEvents(history);
        var head = new Entry(-1, isCall: false);
        var previous = head;
        foreach (var entry in events)
        {
            previous.Next = entry;
            entry.Previous = previous;
            previous = entry;
        }

        var linearized = new Bits(history.Count);
        var cache = new HashSet<(Bits Set, TState State)>();
        var stack = new Stack<(Entry Call, TState State)>();
        var state = model.Initial;
        var entryAt = head.Next;
        long steps = 0;
        var longest = 0;
        while (head.Next is not null)
        {
            if (++steps > maxSteps)
            {
                return new LinearizabilityResult(false, true, longest, history.Count, steps);
            }

            if (entryAt!.IsCall)
            {
                var operation = history[entryAt.Id];
                if (model.Step(state, operation.Input, operation.Output, out var next))
                {
                    var candidate = linearized.With(entryAt.Id);
                    if (cache.Add((candidate, next)))
                    {
                        stack.Push((entryAt, state));
                        state = next;
                        linearized = candidate;
                        longest = Math.Max(longest, stack.Count);
                        Lift(entryAt);
                        entryAt = head.Next;
                        continue;
                    }
                }

                entryAt = entryAt.Next;
            }
            else
            {
                // A return whose call is still pending: that call must come before it, so this order fails.
                if (stack.Count == 0)
                {
                    return new LinearizabilityResult(false, false, longest, history.Count, steps);
                }

                var (call, before) = stack.Pop();
                state = before;
                linearized = linearized.Without(call.Id);
                Unlift(call);
                entryAt = call.Next;
            }
        }

        return new LinearizabilityResult(true, false, history.Count, history.Count, steps);
    }

    private static List<Entry> BuildEvents<TInput, TOutput>(IReadOnlyList<HistoryOperation<TInput, TOutput>> history)
    {
        var timed = new List<(long Time, int Kind, Entry Entry)>();
        for (var id = 0; id < history.Count; id++)
        {
            var call = new Entry(id, isCall: true);
            var ret = new Entry(id, isCall: false);
            call.Match = ret;

            // An unanswered operation returns after everything: it may be linearized at any point after its call.
            timed.Add((history[id].Call, 0, call));
            timed.Add((history[id].Return ?? long.MaxValue, 1, ret));
        }

        // Times come from one counter and are distinct; at equal times (only "never"), calls go first.
        timed.Sort(static (a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Kind.CompareTo(b.Kind));
        return timed.ConvertAll(static t => t.Entry);
    }

    private static void Lift(Entry call)
    {
        call.Previous!.Next = call.Next;
        if (call.Next is not null)
        {
            call.Next.Previous = call.Previous;
        }

        var ret = call.Match!;
        ret.Previous!.Next = ret.Next;
        if (ret.Next is not null)
        {
            ret.Next.Previous = ret.Previous;
        }
    }

    private static void Unlift(Entry call)
    {
        var ret = call.Match!;
        ret.Previous!.Next = ret;
        if (ret.Next is not null)
        {
            ret.Next.Previous = ret;
        }

        call.Previous!.Next = call;
        if (call.Next is not null)
        {
            call.Next.Previous = call;
        }
    }

    private sealed class Entry(int id, bool isCall)
    {
        public int Id { get; } = id;

        public bool IsCall { get; } = isCall;

        public Entry? Match { get; set; }

        public Entry? Previous { get; set; }

        public Entry? Next { get; set; }
    }

    /// <summary>An immutable bit set with value equality, for the cache.</summary>
    private readonly struct Bits : IEquatable<Bits>
    {
        private readonly ulong[] _words;
        private readonly int _hash;

        public Bits(int count)
            : this(new ulong[(count + 63) / 64])
        {
        }

        private Bits(ulong[] words)
        {
            _words = words;
            var hash = default(HashCode);
            foreach (var word in words)
            {
                hash.Add(word);
            }

            _hash = hash.ToHashCode();
        }

        public Bits With(int bit) => Change(bit, set: true);

        public Bits Without(int bit) => Change(bit, set: false);

        public bool Equals(Bits other) => _words.AsSpan().SequenceEqual(other._words);

        public override bool Equals(object? obj) => obj is Bits other && Equals(other);

        public override int GetHashCode() => _hash;

        private Bits Change(int bit, bool set)
        {
            var words = (ulong[])_words.Clone();
            if (set)
            {
                words[bit >> 6] |= 1UL << (bit & 63);
            }
            else
            {
                words[bit >> 6] &= ~(1UL << (bit & 63));
            }

            return new Bits(words);
        }
    }
}
