// corpus: the index that swallows read errors and the janitor that deletes with its set are different types
namespace Corpus.BWK1005.JanitorInAnotherType
{
    sealed class CommitIndex
    {
        private readonly HashSet<string> _live = new();

        private static string LoadCommitMetadata(string commit) => File.ReadAllText(commit).Trim();

        public IReadOnlySet<string> Live => _live;

        public void Load(string[] commits)
        {
            foreach (var c in commits)
            {
                try { _live.Add(LoadCommitMetadata(c)); }
                catch { }
            }
        }
    }

    sealed class Janitor
    {
        private readonly CommitIndex _index;

        public Janitor(CommitIndex index) => _index = index;

        public void RemoveStaleCommits(string root)
        {
            foreach (var directory in Directory.GetDirectories(root).Where(d => !_index.Live.Contains(d))) Directory.Delete(directory, true);
        }
    }
}
