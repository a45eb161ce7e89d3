// corpus: lazy publication that re-reads the field, a checked Idle-to-Running transition and a CAS retry loop (silent)
namespace Corpus.BWK1006.InterlockedLazyInitAndCheckedTransitions
{
    internal sealed class Node
    {
        public Node(int value) => Value = value;

        public int Value { get; }

        public Node? Next { get; set; }
    }

    internal sealed class Registry
    {
        private Dictionary<string, int>? _index;
        private Node? _head;
        private int _state;
        private long _startedAt;
        private int _count;

        public void Put(string key, int value)
        {
            Interlocked.CompareExchange(ref _index, new Dictionary<string, int>(), null);
            lock (_index)
            {
                _index[key] = value;
            }
        }

        public bool TryStart(long now)
        {
            if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
            {
                return false;
            }

            _startedAt = now;
            return true;
        }

        public void Push(int value)
        {
            var node = new Node(value);
            Node? old;
            do
            {
                old = _head;
                node.Next = old;
            }
            while (Interlocked.CompareExchange(ref _head, node, old) != old);
            Interlocked.Increment(ref _count);
        }

        public void StopIfRunning()
        {
            Interlocked.CompareExchange(ref _state, 0, 1);
        }

        public long StartedAt => Volatile.Read(ref _startedAt);
    }
}
