// corpus: a file sink prints the pending segment it wrote (Console.WriteLine(object)) but never commits it
namespace Bulwark
{
    [AttributeUsage(AttributeTargets.Class)]
    internal sealed class MustCommitAttribute : Attribute
    {
        public MustCommitAttribute(params string[] commitMethods) => CommitMethods = commitMethods;

        public string[] CommitMethods { get; }
    }
}

namespace Corpus.BWK1002.PendingFilePrintedToConsoleNeverCommitted
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

    internal sealed class FileSink
    {
        private readonly SegmentStore _store = new();

        public async Task FlushAsync(byte[] buffered, CancellationToken ct)
        {
            await using var segment = {|BWK1002:await _store.CreateAsync("segment-0001.log", ct)|};
            await segment.WriteAsync(buffered, ct);
            Console.WriteLine(segment);
        }
    }
}
