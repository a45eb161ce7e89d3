// corpus: an unreadable commit sets a flag and the recovery method refuses to delete anything while it is set
namespace Corpus.BWK1005.LoadFailureFlagCheckedBeforeRecovery
{
    sealed class CommitStore
    {
        private readonly string _root;
        private readonly HashSet<string> _live = new();
        private bool _loadFailed;

        public CommitStore(string root) => _root = root;

        private string LoadCommitMetadata(string commit) => File.ReadAllText(commit).Trim();

        public void Load(string[] commits)
        {
            foreach (var c in commits)
            {
                try { _live.Add(LoadCommitMetadata(c)); }
                catch (IOException e)
                {
                    Console.Error.WriteLine($"commit {c} unreadable, no stale commit will be removed: {e.Message}");
                    _loadFailed = true;
                }
            }
        }

        public void RemoveStaleCommits()
        {
            if (_loadFailed) return;
            foreach (var directory in Directory.GetDirectories(_root).Where(d => !_live.Contains(d))) Directory.Delete(directory, true);
        }
    }
}
