using Bulwark.Checkpoints;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>Shared files that never sit whole in memory: from a stream, from a local file, or adopted where they lie.</summary>
public sealed class SharedFileSourceTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_stream_is_copied_in_bounded_chunks_and_restores_byte_for_byte()
    {
        var content = Content(5_000_003, seed: 1);
        var source = new RecordingStream(content);
        var backend = new LocalFileSystemBackend(_temp.Join("store"));
        await using var checkpointer = await Checkpointer.OpenAsync(backend);
        var info = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("s")).AddSharedFile("big.arrow", source));

        Assert.True(source.LargestRead <= SharedFileSource.CopyChunkBytes, $"a read of {source.LargestRead} bytes");
        Assert.Equal(1, source.PassesToEnd);
        var recorded = Assert.Single(info.Files, f => f.Path == "big.arrow");
        Assert.Equal(content.Length, recorded.Length);
        Assert.Equal(Crc32CReference(content), recorded.Crc32C);

        var restored = await checkpointer.RestoreAsync(info.Id);
        Assert.Equal(content, await restored.ReadSharedFileAsync("big.arrow"));
    }

    [Fact]
    public async Task A_local_file_is_copied_into_the_store()
    {
        var content = Content(300_000, seed: 2);
        var local = _temp.Join("batch.parquet");
        await File.WriteAllBytesAsync(local, content);
        var backend = new LocalFileSystemBackend(_temp.Join("store"));
        await using var checkpointer = await Checkpointer.OpenAsync(backend);
        var info = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("s")).AddSharedFileFromPath("batch-1.parquet", local));

        Assert.Equal(content, await File.ReadAllBytesAsync(_temp.Join("store", "batch-1.parquet")));
        Assert.Equal(Crc32CReference(content), Assert.Single(info.Files, f => f.Path == "batch-1.parquet").Crc32C);
    }

    [Fact]
    public async Task A_file_already_in_the_store_is_adopted_by_size_and_checksum_without_a_copy()
    {
        var (crash, faults, checkpointer) = await NewStoreAsync();
        var content = Content(70_000, seed: 3);
        await WriteRawAsync(crash, "part-0001.parquet", content);

        // A wrong expectation fails the commit and leaves the caller's file where it is.
        var wrong = await Assert.ThrowsAsync<CheckpointCommitException>(async () => await checkpointer.CommitAsync(
            new CheckpointDraft().SetState("op", Bytes("s")).AdoptSharedFile("part-0001.parquet", content.Length, Crc32CReference(content) ^ 1)));
        Assert.Equal(CheckpointCommitStep.WriteSharedFile, wrong.Step);
        Assert.IsType<InvalidDataException>(wrong.InnerException);
        Assert.Empty(checkpointer.Checkpoints);
        Assert.Equal(content, await crash.ReadAllBytesAsync("part-0001.parquet"));

        var writesBefore = faults.Trace.Count(op => op.Path == "part-0001.parquet" && op.IsMutation);
        var info = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("s")).AdoptSharedFile("part-0001.parquet", content.Length, Crc32CReference(content)));
        Assert.Equal(writesBefore, faults.Trace.Count(op => op.Path == "part-0001.parquet" && op.IsMutation));
        Assert.Equal(Crc32CReference(content), Assert.Single(info.Files, f => f.Path == "part-0001.parquet").Crc32C);

        await checkpointer.DisposeAsync();
        await using var restarted = await Checkpointer.OpenAsync(CrashSimulatingBackend.FromState(crash.Crash()));
        var restored = await restarted.RestoreLatestAsync();
        Assert.Equal(content, await restored!.ReadSharedFileAsync("part-0001.parquet"));
    }

    [Fact]
    public async Task A_stream_that_fails_half_way_publishes_nothing()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        await using var owned = checkpointer;
        var source = new RecordingStream(Content(1_000_000, seed: 4)) { FailAfterBytes = 400_000 };
        var error = await Assert.ThrowsAsync<CheckpointCommitException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("s")).AddSharedFile("half.arrow", source)));
        Assert.Equal(CheckpointCommitStep.WriteSharedFile, error.Step);
        Assert.Empty(checkpointer.Checkpoints);
        Assert.Null(await crash.GetEntryAsync("half.arrow"));
        Assert.Empty(crash.CaptureVisibleState().LeftoverTemporaries);
    }

    [Fact]
    public async Task Shared_files_are_immutable_whatever_their_source_and_only_references_keep_them()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        await using var owned = checkpointer;
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")).AddSharedFile("b1.arrow", Bytes("one")));
        await Assert.ThrowsAsync<ArgumentException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2")).AddSharedFile("b1.arrow", new MemoryStream(Bytes("one")))));
        Assert.Throws<ArgumentException>(() => new CheckpointDraft().AddSharedFile("b.arrow", Bytes("x")).AddSharedFile("b.arrow", Bytes("x")));

        // Adopting what is already committed is a reference; a later checkpoint that does not list b1 lets GC reclaim it.
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2")).AdoptSharedFile("b1.arrow"));
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("3")).AddSharedFile("b3.arrow", Bytes("three")));
        var collected = await checkpointer.CollectGarbageAsync(retain: 1);
        Assert.Contains("b1.arrow", collected.DeletedPaths);
        Assert.Null(await crash.GetEntryAsync("b1.arrow"));
        Assert.NotNull(await crash.GetEntryAsync("b3.arrow"));
    }

    private static byte[] Content(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A forward-only stream that records the largest read asked of it and can fail part-way.</summary>
    private sealed class RecordingStream(byte[] content) : Stream
    {
        private int _position;

        public int LargestRead { get; private set; }

        public int PassesToEnd { get; private set; }

        public int FailAfterBytes { get; init; } = int.MaxValue;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            LargestRead = Math.Max(LargestRead, buffer.Length);
            if (_position >= FailAfterBytes)
            {
                throw new IOException("the source went away");
            }

            var take = Math.Min(buffer.Length, content.Length - _position);
            content.AsSpan(_position, take).CopyTo(buffer);
            _position += take;
            if (take == 0)
            {
                PassesToEnd++;
            }

            return take;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
