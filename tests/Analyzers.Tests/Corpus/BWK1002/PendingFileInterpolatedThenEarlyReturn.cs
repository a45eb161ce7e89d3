// corpus: a compaction step reports the pending output in an interpolated status line and returns early before committing it
namespace Bulwark
{
    [AttributeUsage(AttributeTargets.Class)]
    internal sealed class MustCommitAttribute : Attribute
    {
        public MustCommitAttribute(params string[] commitMethods) => CommitMethods = commitMethods;

        public string[] CommitMethods { get; }
    }
}

namespace Corpus.BWK1002.PendingFileInterpolatedThenEarlyReturn
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

    internal sealed class Compactor
    {
        private readonly SegmentStore _store = new();

        public async Task CompactAsync(IReadOnlyList<byte[]> inputs, CancellationToken ct)
        {
            await using var output = {|BWK1002:await _store.CreateAsync("compacted.log", ct)|};
            Console.WriteLine($"compacting {inputs.Count} segments into {output}");
            if (inputs.Count == 0)
            {
                return;
            }

            foreach (var input in inputs)
            {
                await output.WriteAsync(input, ct);
            }

            await output.CommitAsync(ct);
        }
    }
}
