// corpus: only a missing metadata file is skipped (the commit never landed: metadata is written last), so its directory is garbage
namespace Corpus.BWK1005.MissingMetadataMeansAbortedCommit
{
    sealed class CommitStore
    {
        private readonly string _root;
        private readonly HashSet<string> _live = new();

        public CommitStore(string root) => _root = root;

        private string LoadCommitMetadata(string commit) => File.ReadAllText(Path.Combine(commit, "COMMIT")).Trim();

        public void Load(string[] commits)
        {
            foreach (var c in commits)
            {
                try { _live.Add(LoadCommitMetadata(c)); }
                catch (FileNotFoundException) { }
                catch (DirectoryNotFoundException) { continue; }
            }
        }

        public void RemoveStaleCommits()
        {
            foreach (var directory in Directory.GetDirectories(_root).Where(d => !_live.Contains(d))) Directory.Delete(directory, true);
        }
    }
}
