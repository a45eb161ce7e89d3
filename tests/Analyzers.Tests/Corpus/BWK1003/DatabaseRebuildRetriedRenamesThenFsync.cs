// corpus: a database rebuild swaps its data, temp and log files through RetryOnIOException(() => File.Move(...)) and then fsyncs the directory itself
namespace Corpus.BWK1003.DatabaseRebuildRetriedRenamesThenFsync
{
    static class IoRetry
    {
        public static void RetryOnIOException(Action action)
        {
            for (var attempt = 1; attempt <= 3; attempt++)
            {
                try
                {
                    action();
                    return;
                }
                catch (IOException) when (attempt < 3)
                {
                    Thread.Sleep(10 * attempt);
                }
            }
        }
    }

    sealed class Rebuilder
    {
        public void Rebuild(string dataFile, string logFile, string tempFile, string backupFile)
        {
            IoRetry.RetryOnIOException(() => File.Move(dataFile, backupFile));
            IoRetry.RetryOnIOException(() => File.Move(tempFile, dataFile));
            IoRetry.RetryOnIOException(() => File.Delete(logFile));
            FsyncDirectory(Path.GetDirectoryName(dataFile)!);
        }

        private static void FsyncDirectory(string path)
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        }
    }
}
