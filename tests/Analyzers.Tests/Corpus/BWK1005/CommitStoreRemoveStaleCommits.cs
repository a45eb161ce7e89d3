// corpus: commit metadata loaded into a field with read errors swallowed, then a recovery method deletes every commit directory not in it
namespace Corpus.BWK1005.CommitStoreRemoveStaleCommits
{
    sealed class CommitStore
    {
        private readonly string _root;
        private readonly HashSet<string> _live = new();

        public CommitStore(string root) => _root = root;

        private string LoadCommitMetadata(string commitFile)
        {
            var lines = File.ReadAllLines(commitFile);
            return lines.Length > 0 ? lines[0] : throw new InvalidDataException($"{commitFile} is empty");
        }

        public void Open()
        {
            foreach (var c in Directory.GetFiles(Path.Combine(_root, "commits"), "*.meta"))
            {
                try
                {
                    _live.Add(LoadCommitMetadata(c));
                }
                {|BWK1005:catch
                {
                }|}
            }

            RemoveStaleCommits();
        }

        private void RemoveStaleCommits()
        {
            foreach (var directory in Directory.GetDirectories(Path.Combine(_root, "data")))
            {
                if (!_live.Contains(Path.GetFileName(directory)))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        }
    }
}
