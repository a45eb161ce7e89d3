// corpus: the same journal without the .editorconfig entry: SyncDir is not named like a directory sync, so the rename is reported
namespace Corpus.BWK1003.JournalSyncDirNotListed
{
    public static class MyFs
    {
        public static void SyncDir(string path) => Native.Fsync(path);
    }

    static class Native
    {
        public static void Fsync(string path)
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        }
    }

    sealed class Journal
    {
        public void Roll(string current, string archived)
        {
            {|BWK1003:File.Move(current, archived)|};
            MyFs.SyncDir(Path.GetDirectoryName(archived)!);
        }
    }
}
