// corpus: live snapshot ids gathered with failures skipped and handed to a sweep method of the same type that deletes the rest
namespace Corpus.BWK1005.SnapshotSetPassedToSweeper
{
    sealed class SnapshotCatalog
    {
        private readonly string _root;

        public SnapshotCatalog(string root) => _root = root;

        private static string ReadSnapshotId(string descriptor) => File.ReadAllText(descriptor).Trim();

        public void Compact()
        {
            var live = LoadLive(Directory.GetFiles(_root, "*.snapshot"));
            Sweep(live, Directory.GetFiles(_root, "*.chunk"));
        }

        private static HashSet<string> LoadLive(string[] descriptors)
        {
            var live = new HashSet<string>();
            foreach (var descriptor in descriptors)
            {
                try { live.Add(ReadSnapshotId(descriptor)); }
                {|BWK1005:catch (Exception) { continue; }|}
            }

            return live;
        }

        private static void Sweep(ISet<string> keep, string[] chunks)
        {
            foreach (var chunk in chunks.Except(keep))
            {
                File.Delete(chunk);
            }
        }
    }
}
