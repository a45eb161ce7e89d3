// corpus: a loader returns the set of referenced segment files with unreadable manifests skipped; the caller keeps it in a field that Recover deletes against
namespace Corpus.BWK1005.RecoveryStoresLoadedSetInField
{
    sealed record Manifest(string Id, string[] Segments);

    sealed class SegmentStore
    {
        private readonly string _root;
        private HashSet<string> _referenced = new();

        public SegmentStore(string root) => _root = root;

        private static Manifest ReadManifest(string path) =>
            new(Path.GetFileNameWithoutExtension(path), File.ReadAllLines(path));

        public void Open() => _referenced = LoadReferenced(Directory.GetFiles(_root, "*.manifest"));

        private static HashSet<string> LoadReferenced(string[] manifests)
        {
            var referenced = new HashSet<string>(StringComparer.Ordinal);
            foreach (var manifest in manifests)
            {
                try
                {
                    referenced.UnionWith(ReadManifest(manifest).Segments);
                }
                {|BWK1005:catch (IOException e)
                {
                    Console.Error.WriteLine($"skipping manifest {manifest}: {e.Message}");
                }|}
            }

            return referenced;
        }

        public void Recover()
        {
            foreach (var segment in Directory.EnumerateFiles(_root, "*.seg"))
            {
                if (_referenced.Contains(Path.GetFileName(segment))) continue;
                File.Delete(segment);
            }
        }
    }
}
