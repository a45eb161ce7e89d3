// corpus: a lease is claimed with CompareExchange(ref owner, me, null) whose result is dropped, then renewed as if owned
namespace Corpus.BWK1006.InterlockedLeaseClaimedWithNullComparand
{
    internal sealed class Lease
    {
        private string? _owner;
        private DateTimeOffset _expires;

        public void Acquire(string me, DateTimeOffset now, TimeSpan term)
        {
            {|BWK1006:Interlocked.CompareExchange(ref _owner, me, null)|};
            _expires = now + term;
        }

        public bool IsHeldBy(string me, DateTimeOffset now) => Volatile.Read(ref _owner) == me && now < _expires;
    }
}
