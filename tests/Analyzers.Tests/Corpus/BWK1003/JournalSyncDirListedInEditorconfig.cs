// corpus: a journal rolls its file and syncs through its own MyFs.SyncDir, which .editorconfig lists as a directory sync
// editorconfig: bulwark.directory_sync_methods = Other.Type.Method, MyFs.SyncDir
namespace Corpus.BWK1003.JournalSyncDirListedInEditorconfig
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
            File.Move(current, archived);
            MyFs.SyncDir(Path.GetDirectoryName(archived)!);
        }
    }
}
