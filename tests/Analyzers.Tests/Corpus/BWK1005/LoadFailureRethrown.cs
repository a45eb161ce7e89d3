// corpus: an unreadable commit stops the load with a typed error, so recovery never runs on a partial set
namespace Corpus.BWK1005.LoadFailureRethrown
{
    sealed class CommitStore
    {
        private readonly string _root;
        private readonly HashSet<string> _live = new();

        public CommitStore(string root) => _root = root;

        private string LoadCommitMetadata(string commit) => File.ReadAllText(commit).Trim();

        public void Open(string[] commits)
        {
            foreach (var c in commits)
            {
                try { _live.Add(LoadCommitMetadata(c)); }
                catch (IOException e) { throw new InvalidDataException($"commit {c} is unreadable; recovery stops", e); }
            }

            RemoveStaleCommits();
        }

        private void RemoveStaleCommits()
        {
            foreach (var directory in Directory.GetDirectories(_root).Where(d => !_live.Contains(d))) Directory.Delete(directory, true);
        }
    }
}
