namespace Bulwark.Storage.S3;

/// <summary>
/// Process-wide exclusion per object, for the check-then-put fallback: two writers of this process that create the same
/// key take turns, whichever backend instance they use. A fixed set of stripes keeps memory bounded; unrelated keys
/// that share a stripe only wait for each other.
/// </summary>
internal static class KeyedGate
{
    private const int StripeCount = 64;
    private static readonly SemaphoreSlim[] Stripes = Enumerable.Range(0, StripeCount).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public static async ValueTask<IDisposable> EnterAsync(string endpoint, string bucket, string key, CancellationToken cancellationToken)
    {
        var hash = StringComparer.Ordinal.GetHashCode(endpoint + "\n" + bucket + "\n" + key);
        var stripe = Stripes[(int)((uint)hash % StripeCount)];
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Release(stripe);
    }

    private sealed class Release(SemaphoreSlim stripe) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                stripe.Release();
            }
        }
    }
}
