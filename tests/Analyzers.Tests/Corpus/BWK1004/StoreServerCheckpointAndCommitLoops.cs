// corpus: a store server's checkpoint and append-only-file commit loops, each with its try/catch outside `while (true)`, so one exception ends them for good
namespace Corpus.BWK1004.StoreServerCheckpointAndCommitLoops
{
    interface IServerLog
    {
        void Error(Exception error, string message);
    }

    sealed class AppendOnlyFile
    {
        public Task CommitAsync(CancellationToken token) => Task.CompletedTask;
    }

    sealed class StoreServer : IDisposable
    {
        private readonly IServerLog _log;
        private readonly AppendOnlyFile _aof = new();
        private readonly CancellationTokenSource _shutdown = new();
        private readonly TimeSpan _checkpointFrequency = TimeSpan.FromMinutes(1);
        private readonly TimeSpan _commitFrequency = TimeSpan.FromMilliseconds(100);

        public StoreServer(IServerLog log) => _log = log;

        public void Start()
        {
            _ = Task.Run(() => CheckpointTaskAsync(_shutdown.Token));
            _ = Task.Run(() => AutoCommitTaskAsync(_shutdown.Token));
        }

        private Task TakeCheckpointAsync(CancellationToken token) => Task.CompletedTask;

        private async Task CheckpointTaskAsync(CancellationToken token)
        {
            try
            {
                {|BWK1004:while (true)|}
                {
                    if (token.IsCancellationRequested) break;
                    await Task.Delay(_checkpointFrequency, token);
                    if (token.IsCancellationRequested) break;
                    await TakeCheckpointAsync(token);
                }
            }
            catch (Exception error)
            {
                _log.Error(error, "checkpoint task failed");
            }
        }

        private async Task AutoCommitTaskAsync(CancellationToken token)
        {
            try
            {
                {|BWK1004:while (true)|}
                {
                    if (token.IsCancellationRequested) break;
                    await Task.Delay(_commitFrequency, token);
                    await _aof.CommitAsync(token);
                }
            }
            catch (Exception error)
            {
                _log.Error(error, "append-only-file commit task failed");
            }
        }

        public void Dispose()
        {
            _shutdown.Cancel();
            _shutdown.Dispose();
        }
    }
}
