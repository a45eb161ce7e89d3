// corpus: a lease-renewal loop that must end when the lease is lost, watched by its owner through Task.WhenAny; keeping it alive would keep a fenced node writing (silent)
namespace Corpus.BWK1004.LeaseRenewalEndsWhenLeaseLost
{
    sealed class LeaseLostException : Exception
    {
        public LeaseLostException(string owner) : base($"the lease is now held by {owner}") { }
    }

    sealed class BlobLease
    {
        public TimeSpan RenewInterval { get; } = TimeSpan.FromSeconds(15);
        public Task RenewAsync(CancellationToken ct) => Task.CompletedTask;
    }

    sealed class LeasedPartitionWriter
    {
        private static async Task KeepLeaseAsync(BlobLease lease, CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(lease.RenewInterval, ct);
                // RenewAsync throws LeaseLostException once another node owns the partition: exit the loop as this
                // throws, so the owner below stops writing.
                await lease.RenewAsync(ct);
            }
        }

        public async Task WriteWhileLeasedAsync(BlobLease lease, Func<CancellationToken, Task> writes, CancellationToken ct)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var first = await Task.WhenAny(KeepLeaseAsync(lease, linked.Token), writes(linked.Token));
            linked.Cancel();
            await first;
        }
    }
}
