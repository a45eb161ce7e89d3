// corpus: a store's SyncDirectory / FsyncDirectoryAsync helpers were left empty (or only return), so the renames before them are not durable
namespace Corpus.BWK1003.EmptySyncDirectoryHelper
{
    sealed class Store
    {
        void Empty(string from, string to)
        {
            {|BWK1003:File.Move(from, to)|};
            SyncDirectory(".");
        }

        async Task CompletedTask(string from, string to)
        {
            {|BWK1003:File.Move(from, to)|};
            await FsyncDirectoryAsync(".");
        }

        void OnlyAReturn(string from, string to)
        {
            {|BWK1003:File.Replace(from, to, null)|};
            SyncDirectoryIfNeeded(".");
        }

        private static void SyncDirectory(string path) { }

        private static Task FsyncDirectoryAsync(string path) => Task.CompletedTask;

        private static bool SyncDirectoryIfNeeded(string path)
        {
            // Directory fsync is not needed here.
            return false;
        }
    }
}
