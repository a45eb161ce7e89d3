// corpus: a snapshot thread `while (running)` started as a background thread; the first IOException kills the thread
namespace Corpus.BWK1004.SnapshotThreadRunningFlagLoop
{
    sealed class SnapshotWriter
    {
        private readonly string _directory;
        private readonly Dictionary<string, byte[]> _state = new();
        private bool running = true;

        public SnapshotWriter(string directory) => _directory = directory;

        public void Start() => new Thread(Run) { IsBackground = true, Name = "snapshots" }.Start();

        public void Stop() => Volatile.Write(ref running, false);

        private void WriteSnapshot()
        {
            using var file = File.Create(Path.Combine(_directory, "snapshot.bin"));
            lock (_state)
            {
                foreach (var value in _state.Values)
                {
                    file.Write(value);
                }
            }
        }

        private void Run()
        {
            {|BWK1004:while (running)|}
            {
                WriteSnapshot();
                Thread.Sleep(10_000);
            }
        }
    }
}
