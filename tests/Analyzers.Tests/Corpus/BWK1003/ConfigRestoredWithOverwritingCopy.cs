// corpus: a config store restores its live file with File.Copy(…, overwrite: true) / FileInfo.CopyTo(…, true) and fsyncs neither the file nor, or only one of, file and directory
namespace Corpus.BWK1003.ConfigRestoredWithOverwritingCopy
{
    static class Fs
    {
        public static void SyncDirectory(string path)
        {
            using var directory = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(directory);
        }
    }

    sealed class ConfigStore
    {
        public void Restore(string backup, string live) => {|BWK1003:File.Copy(backup, live, overwrite: true)|};

        public void RestoreDirectoryOnly(string backup, string live)
        {
            {|BWK1003:File.Copy(backup, live, true)|};
            Fs.SyncDirectory(Path.GetDirectoryName(live)!);
        }

        public void RestoreFileOnly(FileInfo backup, string live)
        {
            {|BWK1003:backup.CopyTo(live, true)|};
            using var copied = new FileStream(live, FileMode.Open, FileAccess.ReadWrite);
            copied.Flush(flushToDisk: true);
        }
    }
}
