// corpus: a background worker's Start ignores the CompareExchange that moves Idle to Running and records its start as if it won
namespace Corpus.BWK1006.InterlockedStartThenTimestamp
{
    internal sealed class Worker
    {
        private const int Idle = 0;
        private const int Running = 1;
        private int _state;
        private long _startedAt;
        private int _starts;

        public void Start(long now)
        {
            {|BWK1006:Interlocked.CompareExchange(ref _state, Running, Idle)|};
            _startedAt = now;
            Interlocked.Increment(ref _starts);
        }

        public bool TryStop() => Interlocked.CompareExchange(ref _state, Idle, Running) == Running;

        public long StartedAt => Volatile.Read(ref _startedAt);
    }
}
