// corpus: a replicator's ship loop `while (!_stopping)`, started and forgotten, with its only catch outside the loop
namespace Corpus.BWK1004.ReplicatorStoppingFlagLoop
{
    sealed class Segment
    {
        public long Offset { get; init; }
    }

    sealed class Replicator
    {
        private readonly Queue<Segment> _pending = new();
        private volatile bool _stopping;

        public void Start() => _ = ShipLoopAsync();

        public void Stop() => _stopping = true;

        private Task ShipAsync(Segment segment) => Task.CompletedTask;

        private async Task ShipLoopAsync()
        {
            try
            {
                {|BWK1004:while (!_stopping)|}
                {
                    Segment? next;
                    lock (_pending)
                    {
                        _pending.TryDequeue(out next);
                    }

                    if (next is null)
                    {
                        await Task.Delay(50);
                        continue;
                    }

                    await ShipAsync(next);
                }
            }
            catch (Exception error)
            {
                Console.Error.WriteLine($"replication stopped: {error.Message}");
            }
        }
    }
}
