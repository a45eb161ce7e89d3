// corpus: renames in lambdas that are returned, left running or registered as callbacks run after the method's directory sync
namespace Corpus.BWK1003.RenameLambdaKeptForLater
{
    static class IoRetry
    {
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

    sealed class Publisher
    {
        Action Later(string from, string to)
        {
            Action rename = () => {|BWK1003:File.Move(from, to)|};
            Fs.SyncDirectory(".");
            return rename;
        }

        void Unawaited(string from, string to)
        {
            _ = IoRetry.RetryAsync(() => { {|BWK1003:File.Move(from, to)|}; return Task.CompletedTask; });
            Fs.SyncDirectory(".");
        }

        void Callbacks(string from, string to, CancellationToken token)
        {
            using var registration = token.Register(() => {|BWK1003:File.Move(from, to)|});
            ThreadPool.QueueUserWorkItem(_ => {|BWK1003:File.Move(to, from)|});
            var thread = new Thread(() => {|BWK1003:Directory.Move(from, to)|});
            thread.Start();
            Fs.SyncDirectory(".");
        }
    }
}
