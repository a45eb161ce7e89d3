using BenchmarkDotNet.Attributes;
using Bulwark.Arrow.Ipc;

namespace Bulwark.Benchmarks;

/// <summary>Generated BatchBuilder append + Arrow IPC file write, in-process (no disk), per 1M rows.</summary>
[MemoryDiagnoser]
public class ArrowWriteBenchmarks
{
    private BenchRow[] _rows = [];

    [Params(1_000_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup() => _rows = BenchRow.CreateTable(Rows);

    [Benchmark]
    public long AppendAndBuild()
    {
        using var builder = BenchRow.CreateBatchBuilder();
        long total = 0;
        foreach (var chunk in _rows.Chunk(ArrowWriteRunner.BatchSize))
        {
            foreach (var row in chunk)
            {
                builder.Append(row);
            }

            using var batch = builder.Build();
            total += batch.Length;
        }

        return total;
    }

    [Benchmark]
    public async Task<long> AppendBuildAndWriteIpcFile() => await ArrowWriteRunner.WriteAsync(_rows, Stream.Null);
}

internal static class ArrowWriteRunner
{
    public const int BatchSize = 65_536;

    /// <summary>Appends every row, cuts a batch every <see cref="BatchSize"/> rows and writes an IPC file; returns bytes written.</summary>
    public static async Task<long> WriteAsync(BenchRow[] rows, Stream destination)
    {
        var counting = new CountingStream(destination);
        await WriteUncountedAsync(rows, counting);
        return counting.BytesWritten;
    }

    /// <summary>
    /// <see cref="WriteAsync"/> straight to <paramref name="destination"/>, with no counting stream in between: what the
    /// file comparison times, as the Apache peers write straight to their file too.
    /// </summary>
    public static async Task WriteUncountedAsync(BenchRow[] rows, Stream destination)
    {
        await using (var writer = new ArrowIpcFileWriter(destination, BenchRow.ArrowSchema, leaveOpen: true))
        {
            using var builder = BenchRow.CreateBatchBuilder();
            for (var i = 0; i < rows.Length; i++)
            {
                builder.Append(rows[i]);
                if (builder.Count == BatchSize || i == rows.Length - 1)
                {
                    using var batch = builder.Build();
                    await writer.WriteBatchAsync(batch);
                }
            }

            await writer.CompleteAsync();
        }
    }
}

/// <summary>Counts bytes on their way to another stream (Stream.Null when only the encoder is measured).</summary>
internal sealed class CountingStream(Stream inner) : Stream
{
    public long BytesWritten { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => BytesWritten;

    public override long Position
    {
        get => BytesWritten;
        set => throw new NotSupportedException();
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        inner.Write(buffer, offset, count);
        BytesWritten += count;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        BytesWritten += buffer.Length;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await inner.WriteAsync(buffer, cancellationToken);
        BytesWritten += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}
