// corpus: a replica waits on a token until it has caught up; the loop returns its result and the caller awaits it, so the exception is the result (silent)
namespace Corpus.BWK1004.ReplicaCatchUpWaitAwaited
{
    sealed class Replica
    {
        private readonly SemaphoreSlim _appended = new(0);
        private long _appliedAddress;

        public void OnApplied(long address)
        {
            Interlocked.Exchange(ref _appliedAddress, address);
            _appended.Release();
        }

        public async Task<bool> WaitForAddressAsync(long address, CancellationToken token)
        {
            while (!token.IsCancellationRequested)
            {
                if (Interlocked.Read(ref _appliedAddress) >= address) return true;
                await _appended.WaitAsync(token);
            }

            return false;
        }

        public async Task PromoteAsync(long lastAddress, CancellationToken token)
        {
            if (!await WaitForAddressAsync(lastAddress, token))
            {
                throw new OperationCanceledException("promotion cancelled before the replica caught up", token);
            }
        }
    }
}
