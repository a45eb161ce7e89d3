// corpus: a retried rename whose only directory sync runs before the retry, and an awaited retry that returns early before the sync
namespace Corpus.BWK1003.RetriedRenameWithoutLaterSync
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

        public static async Task RetryAsync(Func<Task> action)
        {
            try
            {
                await action();
            }
            catch (IOException)
            {
                await action();
            }
        }
    }

    static class Fs
    {
        public static void SyncDirectory(string path)
        {
            using var directory = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(directory);
        }
    }

    sealed class LogRoller
    {
        void Roll(string from, string to)
        {
            Fs.SyncDirectory(".");
            IoRetry.RetryOnIOException(() => {|BWK1003:File.Move(from, to)|});
        }

        async Task RollAsync(string from, string to, bool quick)
        {
            await IoRetry.RetryAsync(async () => { await Task.Yield(); {|BWK1003:File.Move(from, to)|}; });
            if (quick)
            {
                return;
            }

            Fs.SyncDirectory(".");
        }
    }
}
