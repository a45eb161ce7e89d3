// corpus: a fencing-token renewal loop started in the background that is meant to stop on error, listed in .editorconfig (silent)
// editorconfig: bulwark.bwk1004.stop_on_error_methods = FencingTokenKeeper.RenewLoopAsync
namespace Corpus.BWK1004.FencingLoopListedAsStopOnError
{
    sealed class FencingTokenKeeper
    {
        private Task _renewal = Task.CompletedTask;
        public bool Fenced => _renewal.IsFaulted;

        private Task RenewAsync(CancellationToken ct) => Task.CompletedTask;

        public void Start(CancellationToken ct) => _renewal = Task.Run(() => RenewLoopAsync(ct));

        private async Task RenewLoopAsync(CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                await RenewAsync(ct);
                await Task.Delay(1000, ct);
            }
        }
    }
}
