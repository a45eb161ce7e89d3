// corpus: a commit whose metadata cannot be read is kept as live, so the recovery method cannot delete it
namespace Corpus.BWK1005.UnreadableCommitKeptLive
{
    sealed class CommitStore
    {
        private readonly string _root;
        private readonly HashSet<string> _live = new();

        public CommitStore(string root) => _root = root;

        private string LoadCommitMetadata(string commit) => File.ReadAllText(commit).Trim();

        public void Load(string[] commits)
        {
            foreach (var c in commits)
            {
                try { _live.Add(LoadCommitMetadata(c)); }
                catch (IOException) { _live.Add(c); }
            }
        }

        public void RemoveStaleCommits()
        {
            foreach (var directory in Directory.GetDirectories(_root).Where(d => !_live.Contains(d))) Directory.Delete(directory, true);
        }
    }
}
