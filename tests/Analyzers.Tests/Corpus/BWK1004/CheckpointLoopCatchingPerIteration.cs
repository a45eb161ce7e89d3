// corpus: the fixed checkpoint loop: the catch is inside `while (true)`, so a failed checkpoint is logged and the next one still runs (silent)
namespace Corpus.BWK1004.CheckpointLoopCatchingPerIteration
{
    sealed class Checkpointer
    {
        private readonly CancellationTokenSource _shutdown = new();

        public void Start() => _ = Task.Run(() => CheckpointTaskAsync(_shutdown.Token));

        private Task TakeCheckpointAsync(CancellationToken token) => Task.CompletedTask;

        private async Task CheckpointTaskAsync(CancellationToken token)
        {
            while (true)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMinutes(1), token);
                    await TakeCheckpointAsync(token);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception error)
                {
                    Console.Error.WriteLine($"checkpoint failed, retrying next period: {error.Message}");
                }
            }
        }
    }
}
