// corpus: the same fencing-token renewal loop with no .editorconfig entry is a background loop like any other
namespace Corpus.BWK1004.FencingLoopWithoutTheOption
{
    sealed class FencingTokenKeeper
    {
        private Task _renewal = Task.CompletedTask;
        public bool Fenced => _renewal.IsFaulted;

        private Task RenewAsync(CancellationToken ct) => Task.CompletedTask;

        public void Start(CancellationToken ct) => _renewal = Task.Run(() => RenewLoopAsync(ct));

        private async Task RenewLoopAsync(CancellationToken ct)
        {
            {|BWK1004:while (!ct.IsCancellationRequested)|}
            {
                await RenewAsync(ct);
                await Task.Delay(1000, ct);
            }
        }
    }
}
