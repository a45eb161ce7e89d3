// corpus: a cluster node's gossip thread and compaction task: the catch outside `while (true)` logs once and the loop never runs again
namespace Corpus.BWK1004.ClusterGossipAndCompactionLoops
{
    sealed class Peer
    {
        public string Address { get; init; } = string.Empty;
        public void SendGossip(ReadOnlySpan<byte> state) { }
    }

    sealed class LogStore
    {
        public long SafeAddress { get; set; }
        public Task CompactUntilAsync(long address, CancellationToken token) => Task.CompletedTask;
    }

    sealed class ClusterNode
    {
        private readonly List<Peer> _peers = new();
        private readonly LogStore _store = new();
        private readonly TextWriter _log = Console.Error;
        private readonly CancellationTokenSource _stop = new();
        private Task _compaction = Task.CompletedTask;

        public void Start()
        {
            var gossip = new Thread(GossipMain) { IsBackground = true, Name = "gossip" };
            gossip.Start();
            _compaction = CompactionTaskAsync(_stop.Token);
        }

        private byte[] SnapshotState() => new byte[64];

        private void GossipMain()
        {
            try
            {
                {|BWK1004:while (true)|}
                {
                    var state = SnapshotState();
                    foreach (var peer in _peers)
                    {
                        peer.SendGossip(state);
                    }

                    Thread.Sleep(1000);
                }
            }
            catch (Exception error)
            {
                _log.WriteLine($"gossip failed: {error}");
            }
        }

        private async Task CompactionTaskAsync(CancellationToken token)
        {
            try
            {
                {|BWK1004:while (true)|}
                {
                    token.ThrowIfCancellationRequested();
                    await Task.Delay(TimeSpan.FromSeconds(30), token);
                    await _store.CompactUntilAsync(_store.SafeAddress, token);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception error)
            {
                _log.WriteLine($"compaction failed: {error}");
            }
        }
    }
}
