using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using Xunit;

namespace Bulwark.Runtime.Tests.Ipc;

public sealed class WriterAllocationTests
{
    [Theory]
    [InlineData(Format.File)]
    [InlineData(Format.Stream)]
    public async Task WritingABatchDoesNotCopyItsBuffers(Format format)
    {
        var data = new TestData(9);
        var schema = new Schema([new Field("id", Int64Type.Default, true), new Field("url", StringType.Default, true), new Field("tags", new ListType(new Field("item", Int32Type.Default, true)), true)], null);
        var batch = data.RandomBatch(schema, 200_000);
        var bytes = batch.Arrays.Sum(c => c.Data.Buffers.Sum(b => (long)b.Length) + c.Data.Children.Sum(ch => ch.Buffers.Sum(b => (long)b.Length)));
        Assert.True(bytes > 2_000_000);

        var counting = new CountingStream();
        await using var writer = format == Format.File ? (IAsyncDisposable)new ArrowIpcFileWriter(counting, schema) : new ArrowIpcStreamWriter(counting, schema);
        Func<RecordBatch, ValueTask> write = writer is ArrowIpcFileWriter f ? b => f.WriteBatchAsync(b) : b => ((ArrowIpcStreamWriter)writer).WriteBatchAsync(b);
        await write(batch);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 5; i++)
        {
            await write(batch);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64 * 1024, $"writing 5 batches of {bytes} bytes allocated {allocated} bytes");
        Assert.True(counting.Written > 5 * bytes);
    }

    /// <summary>Discards what is written, synchronously, so allocations stay on the test's thread.</summary>
    private sealed class CountingStream : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Written;

        public override long Position
        {
            get => Written;
            set => throw new NotSupportedException();
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Written += buffer.Length;
            return ValueTask.CompletedTask;
        }

        public override void Write(byte[] buffer, int offset, int count) => Written += count;

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
