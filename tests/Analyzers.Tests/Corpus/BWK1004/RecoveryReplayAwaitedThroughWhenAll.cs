// corpus: recovery replays the log on a token loop whose task is awaited through Task.WhenAll beside the index rebuild (silent)
namespace Corpus.BWK1004.RecoveryReplayAwaitedThroughWhenAll
{
    sealed class LogReplayer
    {
        private readonly Stream _log;
        private long _position;

        public LogReplayer(Stream log) => _log = log;

        private async Task<bool> ReplayNextAsync(CancellationToken ct)
        {
            var header = new byte[16];
            var read = await _log.ReadAsync(header, ct);
            _position += read;
            return read == header.Length;
        }

        private Task RebuildIndexAsync(CancellationToken ct) => Task.CompletedTask;

        private async Task ReplayAsync(CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                if (!await ReplayNextAsync(ct)) return;
            }
        }

        public async Task RecoverAsync(CancellationToken ct)
        {
            var replay = ReplayAsync(ct);
            await Task.WhenAll(replay, RebuildIndexAsync(ct)).ConfigureAwait(false);
        }
    }
}
