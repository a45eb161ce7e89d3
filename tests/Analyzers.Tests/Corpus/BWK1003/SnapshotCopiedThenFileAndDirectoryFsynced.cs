// corpus: a snapshot is copied over the live file with overwrite: true, then the copy is fsynced (Flush(true) / RandomAccess.FlushToDisk) and its directory synced
namespace Corpus.BWK1003.SnapshotCopiedThenFileAndDirectoryFsynced
{
    static class Fs
    {
        public static void SyncDirectory(string path)
        {
            using var directory = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(directory);
        }
    }

    sealed class SnapshotPublisher
    {
        public void Publish(string snapshot, string live)
        {
            File.Copy(snapshot, live, overwrite: true);
            using (var copied = new FileStream(live, FileMode.Open, FileAccess.ReadWrite))
            {
                copied.Flush(flushToDisk: true);
            }

            Fs.SyncDirectory(Path.GetDirectoryName(live)!);
        }

        public void PublishWithHandle(FileInfo snapshot, string live)
        {
            snapshot.CopyTo(live, overwrite: true);
            using (var handle = File.OpenHandle(live, FileMode.Open, FileAccess.ReadWrite))
            {
                RandomAccess.FlushToDisk(handle);
            }

            Fs.SyncDirectory(Path.GetDirectoryName(live)!);
        }
    }
}
