// corpus: a writer factory prints the pending file it opens, then returns it: the caller owns the commit (silent)
namespace Bulwark
{
    [AttributeUsage(AttributeTargets.Class)]
    internal sealed class MustCommitAttribute : Attribute
    {
        public MustCommitAttribute(params string[] commitMethods) => CommitMethods = commitMethods;

        public string[] CommitMethods { get; }
    }
}

namespace Corpus.BWK1002.PendingFileLoggedThenHandedToCaller
{
    [Bulwark.MustCommit]
    internal sealed class PendingSegment : IAsyncDisposable
    {
        public PendingSegment(string path) => Path = path;

        public string Path { get; }

        public Task WriteAsync(byte[] bytes, CancellationToken ct) => Task.CompletedTask;

        public Task CommitAsync(CancellationToken ct) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        public override string ToString() => Path;
    }

    internal sealed class SegmentStore
    {
        public Task<PendingSegment> CreateAsync(string name, CancellationToken ct) => Task.FromResult(new PendingSegment(name));
    }

    internal sealed class RollingSink
    {
        private readonly SegmentStore _store = new();
        private PendingSegment? _current;

        public async Task<PendingSegment> OpenAsync(string name, CancellationToken ct)
        {
            var segment = await _store.CreateAsync(name, ct);
            Console.WriteLine("opened {0}", segment);
            return segment;
        }

        public async Task RollAsync(string name, CancellationToken ct)
        {
            var segment = await _store.CreateAsync(name, ct);
            Console.WriteLine($"rolling to {segment}");
            _current = segment;
        }

        public async Task WriteOnceAsync(byte[] bytes, CancellationToken ct)
        {
            await using var segment = await _store.CreateAsync("once.log", ct);
            Console.WriteLine(segment);
            await segment.WriteAsync(bytes, ct);
            await segment.CommitAsync(ct);
        }
    }
}
