// corpus: a file sink flushes on a Task.Run loop `while (!disposed)`; a full disk ends the flushing for the life of the process
namespace Corpus.BWK1004.FileSinkDisposedFlagFlushLoop
{
    sealed class FileSink : IDisposable
    {
        private readonly FileStream _file;
        private readonly object _gate = new();
        private readonly Task _flusher;
        private volatile bool disposed;

        public FileSink(string path)
        {
            _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            _flusher = Task.Run(FlushLoop);
        }

        public void Emit(byte[] line)
        {
            lock (_gate)
            {
                _file.Write(line);
            }
        }

        private void FlushLoop()
        {
            {|BWK1004:while (!disposed)|}
            {
                lock (_gate)
                {
                    _file.Flush(flushToDisk: true);
                }

                Thread.Sleep(TimeSpan.FromSeconds(2));
            }
        }

        public void Dispose()
        {
            disposed = true;
            _flusher.Wait();
            _file.Dispose();
        }
    }
}
