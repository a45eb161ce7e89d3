using System.Buffers;

namespace Bulwark.Ingest;

/// <summary>
/// A write-only stream into pooled segments, for encoding a part in memory: unlike a <see cref="MemoryStream"/> it
/// never copies what it holds to grow, and leaves no discarded large arrays behind — only the one exact-size array
/// <see cref="ToArray"/> returns. Dispose it to return the segments.
/// </summary>
internal sealed class PooledOutputStream : Stream
{
    private const int SegmentSize = 1024 * 1024;

    private readonly List<byte[]> _segments = [];
    private int _lastUsed = SegmentSize;
    private long _length;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            if (_lastUsed == SegmentSize)
            {
                _segments.Add(ArrayPool<byte>.Shared.Rent(SegmentSize));
                _lastUsed = 0;
            }

            var take = Math.Min(buffer.Length, SegmentSize - _lastUsed);
            buffer[..take].CopyTo(_segments[^1].AsSpan(_lastUsed));
            _lastUsed += take;
            _length += take;
            buffer = buffer[take..];
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    /// <summary>Everything written, in one array of exactly <see cref="Length"/> bytes.</summary>
    public byte[] ToArray()
    {
        var result = GC.AllocateUninitializedArray<byte>(checked((int)_length));
        var at = 0;
        for (var i = 0; i < _segments.Count; i++)
        {
            var used = i == _segments.Count - 1 ? _lastUsed : SegmentSize;
            _segments[i].AsSpan(0, used).CopyTo(result.AsSpan(at));
            at += used;
        }

        return result;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var segment in _segments)
            {
                ArrayPool<byte>.Shared.Return(segment);
            }

            _segments.Clear();
            _lastUsed = SegmentSize;
            _length = 0;
        }

        base.Dispose(disposing);
    }
}
