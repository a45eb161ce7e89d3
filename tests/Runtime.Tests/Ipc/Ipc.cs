using Apache.Arrow;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;

namespace Bulwark.Runtime.Tests.Ipc;

public enum Format
{
    File,
    Stream,
}

/// <summary>Writes batches to bytes and reads them back with Bulwark's codec.</summary>
internal static class Ipc
{
    public static async Task<byte[]> WriteAsync(Format format, Schema schema, IEnumerable<RecordBatch> batches)
    {
        using var memory = new MemoryStream();
        if (format == Format.File)
        {
            await using var writer = new ArrowIpcFileWriter(memory, schema, leaveOpen: true);
            foreach (var batch in batches)
            {
                await writer.WriteBatchAsync(batch);
            }

            await writer.CompleteAsync();
        }
        else
        {
            await using var writer = new ArrowIpcStreamWriter(memory, schema, leaveOpen: true);
            foreach (var batch in batches)
            {
                await writer.WriteBatchAsync(batch);
            }

            await writer.CompleteAsync();
        }

        return memory.ToArray();
    }

    public static async Task<(Schema Schema, List<RecordBatch> Batches)> ReadAsync(Format format, byte[] bytes, ArrowReadOptions? options = null, bool seekable = true)
    {
        var batches = new List<RecordBatch>();
        Stream stream = seekable ? new MemoryStream(bytes, writable: false) : new UnseekableStream(bytes);
        if (format == Format.File)
        {
            await using var reader = await ArrowIpcFileReader.OpenAsync(stream, "test.arrow", options);
            await foreach (var batch in reader.ReadAllAsync())
            {
                batches.Add(batch);
            }

            return (reader.Schema, batches);
        }
        else
        {
            await using var reader = await ArrowIpcStreamReader.OpenAsync(stream, "test.arrows", options);
            var schema = reader.Schema;
            while (await reader.ReadNextBatchAsync() is { } batch)
            {
                batches.Add(batch);
            }

            return (schema, batches);
        }
    }

    public static async Task<(Schema Schema, List<RecordBatch> Batches)> RoundTripAsync(Format format, Schema schema, IReadOnlyList<RecordBatch> batches)
    {
        var bytes = await WriteAsync(format, schema, batches);
        var result = await ReadAsync(format, bytes);
        ArrayAssert.SchemasEqual(schema, result.Schema);
        Xunit.Assert.Equal(batches.Count, result.Batches.Count);
        for (var i = 0; i < batches.Count; i++)
        {
            ArrayAssert.BatchesEqual(batches[i], result.Batches[i]);
        }

        return result;
    }
}

/// <summary>A read-only stream that cannot seek or report its length, like a socket or pipe.</summary>
internal sealed class UnseekableStream(byte[] bytes) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        // Hands out at most 7 bytes per call so every read loop is exercised.
        var n = Math.Min(Math.Min(count, 7), bytes.Length - _position);
        System.Array.Copy(bytes, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    // Completing synchronously keeps the work (and its allocations) on the calling thread, which the tests measure.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override int Read(Span<byte> buffer)
    {
        var n = Math.Min(Math.Min(buffer.Length, 7), bytes.Length - _position);
        bytes.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
