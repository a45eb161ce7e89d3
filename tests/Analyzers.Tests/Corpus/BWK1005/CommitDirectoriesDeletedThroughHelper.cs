// corpus: a local keep-set built with swallowed read errors is published to a field; recovery deletes the other commits through a helper of the type
namespace Corpus.BWK1005.CommitDirectoriesDeletedThroughHelper
{
    sealed class CommitLog
    {
        private readonly string _root;
        private HashSet<string> _live = new();

        public CommitLog(string root) => _root = root;

        private string LoadCommitMetadata(string commit) => File.ReadAllText(Path.Combine(_root, commit, "COMMIT")).Trim();

        public void Load(IEnumerable<string> commits)
        {
            var keep = new HashSet<string>();
            foreach (var c in commits)
            {
                try { keep.Add(LoadCommitMetadata(c)); }
                {|BWK1005:catch (IOException) { }|}
            }

            _live = keep;
        }

        public void RemoveStaleCommits()
        {
            foreach (var directory in Directory.GetDirectories(_root).Select(Path.GetFileName))
            {
                if (!_live.Contains(directory!)) DeleteCommit(directory!);
            }
        }

        private void DeleteCommit(string id) => Directory.Delete(Path.Combine(_root, id), recursive: true);
    }
}
