// corpus: a wait loop whose only call that can throw publishes the manifest and is followed by break: it never runs twice (silent)
namespace Corpus.BWK1004.ManifestPublishThenBreak
{
    sealed class ManifestPublisher
    {
        private volatile bool _allSegmentsSealed;
        private readonly string _path;

        public ManifestPublisher(string path) => _path = path;

        public void OnSealed() => _allSegmentsSealed = true;

        private void PublishManifest() => File.WriteAllText(_path, "sealed");

        public void Start(CancellationToken ct) => _ = WaitThenPublishAsync(ct);

        private async Task WaitThenPublishAsync(CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                if (_allSegmentsSealed)
                {
                    PublishManifest();
                    break;
                }

                await Task.Delay(100, ct);
            }
        }
    }
}
